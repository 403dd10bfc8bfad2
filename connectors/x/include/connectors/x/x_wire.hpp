/// @file
/// @brief The X API v2 recent-search wire format: one page of `GET /2/tweets/search/recent` turned into
/// items, quarantinable records and paging facts. A pure parser, no I/O.
///
/// A page is `{"data":[tweet...], "includes":{"users":[{id, username, name}]}, "meta":{newest_id, oldest_id,
/// result_count, next_token}, "errors":[partial errors]}`; an empty page is `{"meta":{"result_count":0}}`.
/// Partial `errors[]` in a 200 (a deleted or protected referenced post) are counted, never a failure.
#pragma once

#include <connectors/raw_item.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace carelisten::connectors::x {

/// Pages larger than this are refused before parsing (a real page of 100 posts is ~100 KB).
inline constexpr std::size_t kMaxPageBytes = 8U * 1024U * 1024U;
/// A quarantined record keeps at most this much of its raw JSON.
inline constexpr std::size_t kMaxQuarantineBytes = 64U * 1024U;

/// One page of recent-search results.
struct SearchPage {
    std::vector<RawItem> items;          ///< in the order X sent them (newest first)
    std::vector<BadRecord> bad_records;  ///< posts that are JSON but unusable (missing id, wrong types)
    std::string newest_id;               ///< meta.newest_id; empty on an empty page
    std::string oldest_id;               ///< meta.oldest_id
    std::string next_token;              ///< meta.next_token; empty on the last page
    std::int64_t result_count = 0;       ///< meta.result_count
    std::size_t partial_errors = 0;      ///< entries of a 200's errors[] (not failures)
};

/// Why a page could not be read at all: for the operator, never the content.
struct WireError {
    std::string reason;
};

/// Parses one response body of a 2xx. `source` names the items; `locator_prefix` makes the locators of
/// records without a usable id unique (e.g. "since_id=123,page=2"). Never throws; hostile input (deep
/// nesting, invalid UTF-8, a huge body) is a WireError.
std::variant<SearchPage, WireError> ParseSearchPage(std::string_view body, std::string_view source,
                                                    std::string_view locator_prefix = "page");

/// Re-parses one quarantined record. A record is kept as a one-post page in the upstream's own format,
/// `{"data":[tweet], "includes":{"users":[author]}}`, so the author's handle survives replay.
std::variant<RawItem, BadRecord> ParseQuarantinedRecord(std::string_view raw, std::string_view source,
                                                        std::string_view locator);

/// What a non-2xx body says: problem JSON `{title, detail, type, errors:[{message, parameters}]}` or the
/// classic `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`. Best effort: unknown shapes leave
/// fields empty. Safe to log: it holds API messages and parameter names, never posts.
struct ApiProblem {
    std::string title;
    std::string type;
    std::optional<std::int64_t> code;         ///< e.g. 88 (rate limit), 89 (invalid token)
    std::vector<std::string> bad_parameters;  ///< names from errors[].parameters, e.g. "since_id"
};
ApiProblem ParseApiProblem(std::string_view body);

/// Builds the search query: the watch terms joined with OR (terms with spaces are quoted, terms that are
/// already operators or quoted are kept as they are), in parentheses when there are several, then the suffix.
/// E.g. {"St Elsewhere Hospital", "@StElsewhereHosp", "#StElsewhere"}, "-is:retweet" →
/// `("St Elsewhere Hospital" OR @StElsewhereHosp OR #StElsewhere) -is:retweet`.
std::string BuildQuery(const std::vector<std::string>& terms, std::string_view suffix);

/// Decodes the entities X escapes in post text (&amp; &lt; &gt; &quot; &#NNN; &#xHH;); anything else is
/// kept verbatim. Never produces invalid UTF-8 from valid input.
std::string DecodeEntities(std::string_view text);

/// True when `a` is a larger post id than `b` (ids are decimal snowflakes, compared as numbers).
bool IdGreater(std::string_view a, std::string_view b);

}  // namespace carelisten::connectors::x
