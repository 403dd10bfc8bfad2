#include <array>
#include <connectors/discourse/discourse_connector.hpp>
#include <connectors/facebook_page/facebook_page_connector.hpp>
#include <connectors/google_reviews/google_reviews_connector.hpp>
#include <connectors/imap/imap_connector.hpp>
#include <connectors/jsonl_drop/jsonl_drop_connector.hpp>
#include <connectors/reddit/reddit_connector.hpp>
#include <connectors/mastodon/mastodon_connector.hpp>
#include <connectors/registry.hpp>
#include <connectors/x/x_connector.hpp>
#include <connectors/rss/rss_connector.hpp>
#include <connectors/twilio/twilio_connector.hpp>

namespace carelisten::connectors {

std::span<const ConnectorFactory* const> AllConnectorFactories() {
    static const std::array kFactories = {
        &jsonl_drop::Factory(),
        &x::Factory(),
        &reddit::Factory(),
        &mastodon::Factory(),
        &discourse::Factory(),
        &google_reviews::Factory(),
        &facebook_page::Factory(),
        &rss::Factory(),
        &twilio::Factory(),
        &imap::Factory(),
    };
    return kFactories;
}

const ConnectorFactory* FindConnectorFactory(std::string_view type) {
    for (const auto* factory : AllConnectorFactories()) {
        if (factory->type == type) {
            return factory;
        }
    }
    return nullptr;
}

}  // namespace carelisten::connectors
