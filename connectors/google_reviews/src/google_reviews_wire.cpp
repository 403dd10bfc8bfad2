#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <array>
#include <connectors/google_reviews/google_reviews_wire.hpp>
#include <connectors/wire_util.hpp>

namespace carelisten::connectors::google_reviews {
namespace {

// Iterative parsing: the recursive parser overflows the stack on deeply nested input.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// Google prefixes machine translations; the patient's own words are what we analyse.
constexpr std::string_view kOriginalMarker = "\n\n(Original)\n";
constexpr std::string_view kTranslatedMarker = "\n\n(Translated by Google)\n";

std::string OriginalText(std::string comment) {
    if (const auto pos = comment.find(kOriginalMarker); pos != std::string::npos) {
        return comment.substr(pos + kOriginalMarker.size());
    }
    if (const auto pos = comment.find(kTranslatedMarker); pos != std::string::npos) {
        comment.resize(pos);
    }
    return comment;
}

// The last path segment of "accounts/1/locations/2/reviews/ABC".
std::string IdFromName(std::string_view name) {
    const auto slash = name.rfind('/');
    return std::string(slash == std::string_view::npos ? name : name.substr(slash + 1));
}

// Fills `entry` from one review object; on failure the reason.
std::optional<std::string> ReadReview(const rapidjson::Value& review, std::string_view source, RawItem& item,
                                      std::optional<Timestamp>& update_time) {
    if (!review.IsObject()) {
        return "review is not an object";
    }
    std::string name;
    std::string review_id;
    std::string comment;
    std::string create_text;
    std::string update_text;
    std::string star;
    // updateTime first: even an unusable review keeps its place in the updateTime order for the checkpoint.
    if (auto failure = JsonStringMember(review, "updateTime", update_text)) {
        return failure;
    }
    if (!update_text.empty()) {
        update_time = ParseRfc3339(update_text);
        if (!update_time) {
            return "updateTime is not an RFC 3339 timestamp";
        }
    }
    for (const auto& [key, out] :
         {std::pair{"name", &name}, std::pair{"reviewId", &review_id}, std::pair{"comment", &comment},
          std::pair{"createTime", &create_text}, std::pair{"starRating", &star}}) {
        if (auto failure = JsonStringMember(review, key, *out)) {
            return failure;
        }
    }
    if (review_id.empty()) {
        review_id = IdFromName(name);
    }
    if (review_id.empty()) {
        return "missing reviewId and name";
    }
    std::optional<Timestamp> create_time;
    if (!create_text.empty()) {
        create_time = ParseRfc3339(create_text);
        if (!create_time) {
            return "createTime is not an RFC 3339 timestamp";
        }
    }
    const auto reviewer = review.FindMember("reviewer");
    if (reviewer != review.MemberEnd() && !reviewer->value.IsNull()) {
        if (!reviewer->value.IsObject()) {
            return "reviewer is not an object";
        }
        const auto anonymous = reviewer->value.FindMember("isAnonymous");
        const bool is_anonymous =
            anonymous != reviewer->value.MemberEnd() && anonymous->value.IsBool() && anonymous->value.GetBool();
        if (!is_anonymous) {
            if (auto failure = JsonStringMember(reviewer->value, "displayName", item.author)) {
                return failure;
            }
        }
    }
    item.source = source;
    item.external_id = std::move(review_id);
    item.channel = "review";
    item.text = OriginalText(std::move(comment));
    item.thread_id = name.empty() ? item.external_id : name;
    item.rating = StarRating(star);
    // The first version of a review (never edited: updateTime == createTime) has an empty version; an edit
    // is a new version keyed by its updateTime as Google wrote it.
    if (!update_text.empty() && update_time != create_time) {
        item.version = update_text;
    }
    item.posted_at = update_time ? update_time : create_time;
    if (auto invalid = ValidateRawItem(item)) {
        return *invalid;
    }
    return std::nullopt;
}

// A stable locator for a review that could not be read: the location plus its id or, without one, a hash.
std::string Locator(std::string_view location, std::string_view review_id, std::string_view raw) {
    if (!review_id.empty()) {
        return std::string(location) + "/reviews/" + std::string(review_id);
    }
    std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
    for (const char c : raw) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    return std::string(location) + "/reviews#fnv" + std::to_string(hash);
}

}  // namespace

std::optional<int> StarRating(std::string_view value) {
    static constexpr std::array<std::string_view, 5> kStars = {"ONE", "TWO", "THREE", "FOUR", "FIVE"};
    for (std::size_t i = 0; i < kStars.size(); ++i) {
        if (value == kStars[i]) {
            return static_cast<int>(i + 1);
        }
    }
    return std::nullopt;
}

std::variant<ReviewsPage, std::string> ParseReviewsPage(std::string_view body, std::string_view source,
                                                        std::string_view location) {
    if (body.size() > kMaxPageBytes) {
        return "page of " + std::to_string(body.size()) + " bytes exceeds the cap";
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(body.data(), body.size());
    if (document.HasParseError()) {
        return std::string("invalid JSON: ") + rapidjson::GetParseError_En(document.GetParseError()) + " at byte " +
               std::to_string(document.GetErrorOffset());
    }
    if (!document.IsObject()) {
        return std::string("page is not a JSON object");
    }
    ReviewsPage page;
    if (auto failure = JsonStringMember(document, "nextPageToken", page.next_page_token)) {
        return *failure;
    }
    if (const auto it = document.FindMember("averageRating"); it != document.MemberEnd() && it->value.IsNumber()) {
        page.average_rating = it->value.GetDouble();
    }
    if (const auto it = document.FindMember("totalReviewCount"); it != document.MemberEnd() && it->value.IsInt64()) {
        page.total_review_count = it->value.GetInt64();
    }
    const auto reviews = document.FindMember("reviews");
    if (reviews == document.MemberEnd() || reviews->value.IsNull()) {
        return page;  // a location without reviews omits the field
    }
    if (!reviews->value.IsArray()) {
        return std::string("reviews is not an array");
    }
    for (const auto& review : reviews->value.GetArray()) {
        ReviewEntry entry{RawItem{}, {}, std::nullopt};
        RawItem item;
        auto failure = ReadReview(review, source, item, entry.update_time);
        if (failure) {
            std::string id;
            if (review.IsObject()) {
                if (const auto it = review.FindMember("reviewId"); it != review.MemberEnd() && it->value.IsString()) {
                    id = it->value.GetString();
                }
            }
            const std::string raw = JsonToString(review);
            entry.record = MakeBadRecord(Locator(location, id, raw), *failure, raw);
            entry.review_id = std::move(id);
        } else {
            entry.review_id = item.external_id;
            entry.record = std::move(item);
        }
        page.entries.push_back(std::move(entry));
    }
    return page;
}

std::variant<RawItem, std::string> ParseReview(std::string_view review_json, std::string_view source) {
    if (review_json.size() > kMaxPageBytes) {
        return std::string("record exceeds the size cap");
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(review_json.data(), review_json.size());
    if (document.HasParseError()) {
        return std::string("invalid JSON: ") + rapidjson::GetParseError_En(document.GetParseError());
    }
    RawItem item;
    std::optional<Timestamp> update_time;
    if (auto failure = ReadReview(document, source, item, update_time)) {
        return *failure;
    }
    return item;
}

std::optional<ApiError> ParseApiError(std::string_view body) {
    if (body.size() > kMaxPageBytes) {
        return std::nullopt;
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    const auto error = document.FindMember("error");
    if (error == document.MemberEnd() || !error->value.IsObject()) {
        return std::nullopt;
    }
    ApiError api_error;
    if (const auto it = error->value.FindMember("code"); it != error->value.MemberEnd() && it->value.IsInt()) {
        api_error.code = it->value.GetInt();
    }
    (void)JsonStringMember(error->value, "status", api_error.status);
    (void)JsonStringMember(error->value, "message", api_error.message);
    return api_error;
}

std::optional<TokenResponse> ParseTokenResponse(std::string_view body) {
    if (body.size() > 64U * 1024U) {
        return std::nullopt;
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    TokenResponse token;
    if (JsonStringMember(document, "access_token", token.access_token) ||
        JsonStringMember(document, "error", token.error)) {
        return std::nullopt;
    }
    if (const auto it = document.FindMember("expires_in"); it != document.MemberEnd()) {
        if (it->value.IsInt64()) {
            token.expires_in = it->value.GetInt64();
        } else if (it->value.IsString()) {  // some proxies send it as a string
            token.expires_in = std::strtoll(it->value.GetString(), nullptr, 10);
        }
    }
    if (token.access_token.empty() && token.error.empty()) {
        return std::nullopt;
    }
    return token;
}

}  // namespace carelisten::connectors::google_reviews
