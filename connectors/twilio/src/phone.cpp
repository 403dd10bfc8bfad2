#include <phonenumbers/phonenumberutil.h>

#include <connectors/twilio/phone.hpp>

namespace carelisten::connectors::twilio {

std::optional<std::string> ToE164(std::string_view number, std::string_view default_region) {
    if (number.empty() || number.size() > 64) {
        return std::nullopt;
    }
    const auto& util = *i18n::phonenumbers::PhoneNumberUtil::GetInstance();
    i18n::phonenumbers::PhoneNumber parsed;
    if (util.Parse(std::string(number), std::string(default_region), &parsed) !=
        i18n::phonenumbers::PhoneNumberUtil::NO_PARSING_ERROR) {
        return std::nullopt;
    }
    if (!util.IsPossibleNumber(parsed)) {
        return std::nullopt;
    }
    std::string out;
    util.Format(parsed, i18n::phonenumbers::PhoneNumberUtil::E164, &out);
    return out;
}

bool IsKnownRegion(std::string_view region) {
    std::set<std::string> regions;
    i18n::phonenumbers::PhoneNumberUtil::GetInstance()->GetSupportedRegions(&regions);
    return regions.contains(std::string(region));
}

}  // namespace carelisten::connectors::twilio
