#include <surveys/eligibility.hpp>

namespace carelisten::surveys {

Eligibility CheckEligibility(const EligibilityFacts& facts) {
    // The order matters: a deceased patient's family must never get a "how are you?" message, whatever else holds.
    if (facts.deceased) {
        return {.verdict = Verdict::kSkip, .reason = "deceased"};
    }
    if (facts.readmitted) {
        return {.verdict = Verdict::kSkip, .reason = "readmitted"};
    }
    if (facts.opted_out_surveys) {
        return {.verdict = Verdict::kSkip, .reason = "opted_out"};
    }
    if (facts.already_surveyed_for_encounter) {
        return {.verdict = Verdict::kSkip, .reason = "already_surveyed"};
    }
    const bool sms = facts.has_sms && facts.sms_consented;
    const bool email = facts.has_email && facts.email_consented;
    std::vector<std::string> channels;
    // SMS first unless the patient prefers e-mail: SMS answers one question at a time and reaches more patients.
    if (facts.preferred_channel == "email") {
        if (email) {
            channels.emplace_back("email");
        }
        if (sms) {
            channels.emplace_back("sms");
        }
    } else {
        if (sms) {
            channels.emplace_back("sms");
        }
        if (email) {
            channels.emplace_back("email");
        }
    }
    if (facts.open_serious_complaint) {
        return {.verdict = Verdict::kNotifyStaff, .reason = "open_complaint", .channels = std::move(channels)};
    }
    if (channels.empty()) {
        return {.verdict = Verdict::kPhoneList, .reason = "no_channel"};
    }
    return {.verdict = Verdict::kSend, .reason = "", .channels = std::move(channels)};
}

}  // namespace carelisten::surveys
