// Private to connector_discourse: one post object (already parsed) to an item, shared by the page parser
// and the webhook parser so both paths produce identical items.
#pragma once

#include <rapidjson/document.h>

#include <connectors/discourse/discourse_wire.hpp>

namespace carelisten::connectors::discourse::detail {

// Iterative parsing: the default recursive parser overflows the stack on deeply nested input.
inline constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

PostOutcome PostToItem(const rapidjson::Value& post, const ItemOptions& options);

// The post's integer id, 0 when missing or not a positive integer.
std::int64_t PostId(const rapidjson::Value& post);

// The record as JSON, capped at kMaxQuarantineRawBytes, with a locator "post:<id>" (or a fingerprint).
BadRecord MakeBadRecord(const rapidjson::Value& post, std::string reason);

}  // namespace carelisten::connectors::discourse::detail
