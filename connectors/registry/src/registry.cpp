#include <array>
#include <connectors/discourse/discourse_connector.hpp>
#include <connectors/jsonl_drop/jsonl_drop_connector.hpp>
#include <connectors/reddit/reddit_connector.hpp>
#include <connectors/mastodon/mastodon_connector.hpp>
#include <connectors/registry.hpp>
#include <connectors/x/x_connector.hpp>

namespace carelisten::connectors {

std::span<const ConnectorFactory* const> AllConnectorFactories() {
    static const std::array kFactories = {
        &jsonl_drop::Factory(),
        &x::Factory(),
        &reddit::Factory(),
        &mastodon::Factory(),
        &discourse::Factory(),
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
