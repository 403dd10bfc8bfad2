#include "fake_networks.hpp"

#include <algorithm>

namespace carelisten::e2e {

using testing::FakeResponse;
using testing::RecordedRequest;

namespace {

/// Mastodon sends sanitized HTML: '&' arrives as "&amp;".
std::string HtmlEscaped(const std::string& text) {
    std::string out;
    for (const char c : text) {
        out += c == '&' ? std::string("&amp;") : std::string(1, c);
    }
    return out;
}

std::uint64_t ParseId(const std::string& text) {
    return text.empty() ? 0 : std::stoull(text);
}

}  // namespace

void Networks::Add(const std::string& source, std::uint64_t id) {
    const std::lock_guard lock(mutex_);
    timelines_[source].push_back(id);
}

std::vector<std::uint64_t> Networks::Snapshot(const std::string& source) const {
    const std::lock_guard lock(mutex_);
    const auto it = timelines_.find(source);
    return it == timelines_.end() ? std::vector<std::uint64_t>{} : it->second;
}

std::string PostText(const std::string& source, std::uint64_t id) {
    // Every tenth post is a complaint with contact details: none of it may reach the log.
    if (id % 10 == 3) {
        return "Waited six hours in A&E at St Elsewhere, call me on 07700 900" + std::to_string(100 + id % 800) +
               " or mail pat" + std::to_string(id) + "@example.org (" + source + ")";
    }
    return "Lovely nurses on ward " + std::to_string(id % 12) + " at St Elsewhere, thank you (" + source + ")";
}

FakeResponse XSearch(const Networks& networks, const std::string& source, const RecordedRequest& request,
                     const std::string& bearer_token) {
    if (request.Header("authorization") != "Bearer " + bearer_token) {
        return FakeResponse::Json(
            R"({"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"})", 401);
    }
    const auto since_id = ParseId(request.QueryParam("since_id"));
    const auto page_size = std::clamp<std::size_t>(ParseId(request.QueryParam("max_results")), 10, 100);
    std::uint64_t upper = 0;
    std::size_t offset = 0;
    if (const auto token = request.QueryParam("next_token"); !token.empty()) {
        const auto dot = token.find('.');
        upper = std::stoull(token.substr(0, dot));
        offset = std::stoull(token.substr(dot + 1));
    }
    auto ids = networks.Snapshot(source);
    std::vector<std::uint64_t> window;
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
        if (*it > since_id && (upper == 0 || *it <= upper)) {
            window.push_back(*it);
        }
    }
    if (upper == 0 && !window.empty()) {
        upper = window.front();
    }
    std::string data;
    std::string users;
    const auto end = std::min(window.size(), offset + page_size);
    for (std::size_t i = offset; i < end; ++i) {
        const auto id = window[i];
        const std::string author = std::to_string(7000 + id % 50);
        data += (data.empty() ? "" : ",") + std::string(R"({"id":")") + std::to_string(id) + R"(","text":")" +
                PostText(source, id) + R"(","author_id":")" + author + R"(","created_at":"2026-11-25T10:00:00.000Z",)" +
                R"("conversation_id":")" + std::to_string(id) + R"(","lang":"en"})";
        users += (users.empty() ? "" : ",") + std::string(R"({"id":")") + author + R"(","username":"patient_)" +
                 author + R"(","name":"P"})";
    }
    std::string meta = R"("result_count":)" + std::to_string(end - offset);
    if (end > offset) {
        meta += R"(,"newest_id":")" + std::to_string(window[offset]) + R"(","oldest_id":")" +
                std::to_string(window[end - 1]) + "\"";
    }
    if (end < window.size()) {
        meta += R"(,"next_token":")" + std::to_string(upper) + "." + std::to_string(end) + "\"";
    }
    FakeResponse response;
    response.headers = {
        {"x-rate-limit-limit", "450"}, {"x-rate-limit-remaining", "449"}, {"x-rate-limit-reset", "4102444800"}};
    if (end == offset) {
        response.body = "{\"meta\":{" + meta + "}}";
    } else {
        response.body = "{\"data\":[" + data + "],\"includes\":{\"users\":[" + users + "]},\"meta\":{" + meta + "}}";
    }
    return response;
}

FakeResponse MastodonTag(const Networks& networks, const std::string& source, const std::string& base,
                         const RecordedRequest& request) {
    const auto min_id = ParseId(request.QueryParam("min_id"));
    const auto since_id = ParseId(request.QueryParam("since_id"));
    const auto limit = std::clamp<std::size_t>(ParseId(request.QueryParam("limit")), 1, 40);
    const auto ids = networks.Snapshot(source);
    std::vector<std::uint64_t> page;
    if (min_id > 0 || request.QueryParam("min_id") == "0") {
        for (const auto id : ids) {
            if (id > min_id && page.size() < limit) {
                page.push_back(id);
            }
        }
        std::reverse(page.begin(), page.end());
    } else {
        for (auto it = ids.rbegin(); it != ids.rend() && page.size() < limit; ++it) {
            if (*it > since_id) {
                page.push_back(*it);
            }
        }
    }
    std::string body = "[";
    for (const auto id : page) {
        body += (body.size() > 1 ? "," : "") + std::string(R"({"id":")") + std::to_string(id) +
                R"(","created_at":"2026-11-25T10:00:00.000Z","url":"https://social.example/@patient)" +
                std::to_string(id % 40) + "/" + std::to_string(id) + R"(","content":"<p>)" +
                HtmlEscaped(PostText(source, id)) +
                R"(</p>","language":"en","visibility":"public","reblog":null,"in_reply_to_id":null,)" +
                R"("account":{"id":")" + std::to_string(id % 40) + R"(","acct":"patient)" + std::to_string(id % 40) +
                R"(","username":"patient)" + std::to_string(id % 40) + R"("},"tags":[{"name":"stelsewhere"}]})";
    }
    body += "]";
    FakeResponse response = FakeResponse::Json(body);
    response.headers = {{"x-ratelimit-limit", "300"},
                        {"x-ratelimit-remaining", "299"},
                        {"x-ratelimit-reset", "2099-01-01T00:00:00.000Z"}};
    if (!page.empty()) {
        const std::string path = base + "/api/v1/timelines/tag/stelsewhere";
        response.headers.emplace_back("link", "<" + path + "?max_id=" + std::to_string(page.back()) +
                                                  ">; rel=\"next\", <" + path +
                                                  "?min_id=" + std::to_string(page.front()) + ">; rel=\"prev\"");
    }
    return response;
}

}  // namespace carelisten::e2e
