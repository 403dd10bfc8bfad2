/// @file
/// @brief Phone numbers to E.164 with libphonenumber, so the same person matches whatever format they,
/// Twilio or the hospital's systems used.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace carelisten::connectors::twilio {

/// "+919812345678" for "098123 45678" with region "IN", "+14155550100" for "(415) 555-0100" with "US";
/// a number with its own "+<country>" keeps it. Nullopt when libphonenumber cannot parse it or it is not a
/// possible number (too short/long for its country). Thread-safe (libphonenumber's singleton is).
std::optional<std::string> ToE164(std::string_view number, std::string_view default_region);

/// True when `region` is a region libphonenumber knows ("IN", "GB", "US", ...).
bool IsKnownRegion(std::string_view region);

}  // namespace carelisten::connectors::twilio
