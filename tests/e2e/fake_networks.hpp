/// @file
/// @brief Fake social networks for the e2e tier: timelines that grow while a test runs, served in X's and
/// Mastodon's real wire formats (cursors, paging, Link headers, rate-limit headers, error payloads).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <support/fake_upstream.hpp>
#include <vector>

namespace carelisten::e2e {

/// The posts of every simulated account, growing while the test runs. Ids grow with time, as X snowflakes and
/// Mastodon ids do. Thread-safe: the fake server's thread reads, an arrival thread appends.
class Networks {
public:
    void Add(const std::string& source, std::uint64_t id);
    std::vector<std::uint64_t> Snapshot(const std::string& source) const;  ///< ascending
    std::size_t Total(const std::string& source) const { return Snapshot(source).size(); }

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::vector<std::uint64_t>> timelines_;
};

/// The text of post `id` of `source`: every tenth is a complaint with a phone number and an e-mail address (which
/// no log may hold), the rest praise.
std::string PostText(const std::string& source, std::uint64_t id);

/// X API v2 recent search: newest first; since_id bounds below; next_token pages through one snapshot (the token
/// carries the snapshot's upper bound and the offset), so posts arriving while paging wait for the next poll, as
/// with the real API. A request without "Authorization: Bearer <bearer_token>" gets X's 401 problem document.
testing::FakeResponse XSearch(const Networks& networks, const std::string& source,
                              const testing::RecordedRequest& request, const std::string& bearer_token);

/// Mastodon hashtag timeline: min_id returns the statuses immediately newer than it (oldest `limit` of them),
/// newest first, with a Link header whose rel="prev" continues forward. `base` is the source's base URL.
testing::FakeResponse MastodonTag(const Networks& networks, const std::string& source, const std::string& base,
                                  const testing::RecordedRequest& request);

}  // namespace carelisten::e2e
