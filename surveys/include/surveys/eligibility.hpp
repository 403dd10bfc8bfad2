/// @file
/// @brief Whether a discharged patient gets a follow-up invitation, and on which channels. Pure function.
#pragma once

#include <string>
#include <vector>

namespace carelisten::surveys {

struct EligibilityFacts {
    bool deceased = false;
    bool readmitted = false;
    bool opted_out_surveys = false;
    bool already_surveyed_for_encounter = false;
    bool open_serious_complaint = false;
    bool has_sms = false;
    bool has_email = false;
    std::string preferred_channel;  ///< "sms", "email" or ""
    bool sms_consented = true;
    bool email_consented = true;
};

enum class Verdict {
    kSend,
    kSkip,
    kNotifyStaff,  ///< open serious complaint: staff decide
    kPhoneList,    ///< no usable channel: a call list for staff
};

struct Eligibility {
    Verdict verdict = Verdict::kSkip;
    /// "" for kSend; "deceased", "readmitted", "opted_out", "already_surveyed", "open_complaint", "no_channel"
    std::string reason;
    std::vector<std::string> channels;  ///< in order to try, e.g. {"sms", "email"}; also for kNotifyStaff
};

/// Facts are checked in the order of EligibilityFacts; the first that applies decides.
Eligibility CheckEligibility(const EligibilityFacts& facts);

}  // namespace carelisten::surveys
