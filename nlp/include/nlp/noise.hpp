/// @file
/// @brief Noise stage: empty messages, and automated e-mail (auto-replies, bounces, bulk mail) by its
/// headers (RFC 3834).
#pragma once

#include <nlp/analysis.hpp>
#include <nlp/lexicon.hpp>
#include <nlp/normalize.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::nlp {

/// Reason given for a message with nothing to read: empty, whitespace or punctuation only.
inline constexpr std::string_view kNoiseEmpty = "empty";
/// An automatic reply: Auto-Submitted other than "no" (RFC 3834), X-Autoreply, X-Autorespond,
/// Precedence: auto_reply.
inline constexpr std::string_view kNoiseAutoReply = "auto_reply";
/// A delivery status notification: Content-Type multipart/report, or From MAILER-DAEMON / postmaster.
inline constexpr std::string_view kNoiseBounce = "bounce";
/// Bulk or list mail: Precedence bulk, junk or list; List-Id; List-Unsubscribe.
inline constexpr std::string_view kNoiseBulk = "bulk";
/// Spam or promotion (SMS, e-mail or unknown channel): the learned spam model's p(spam) is at or above
/// its threshold (chosen so that at most 0.5% of validation ham is dropped).
inline constexpr std::string_view kNoiseSpam = "spam";

/// Whether the spam model applies to messages of this channel: SMS, e-mail and unknown.
bool SpamModelApplies(Channel channel);

/// Noise when the text has no word, number, link, handle, hashtag or emoji, and no symbol run that the
/// lexicon knows or that has a letter or digit (so ":)" and "n/a" alone are messages, "..." is not). The
/// channel is not used yet.
NoiseVerdict DetectNoise(const Lexicon& lexicon, const NormalizedText& text, Channel channel);

/// The above, plus AutomatedMailReasons(headers); reasons in the order empty, auto_reply, bounce, bulk.
NoiseVerdict DetectNoise(const Lexicon& lexicon, const NormalizedText& text, Channel channel,
                         const std::vector<MailHeader>& headers);

/// Why the headers say the mail was sent by a machine, in the order auto_reply, bounce, bulk, each once;
/// empty for a person's mail. Header names match case-insensitively; values are compared after
/// trimming, case-insensitively, up to the first ';'.
std::vector<std::string> AutomatedMailReasons(const std::vector<MailHeader>& headers);

}  // namespace carelisten::nlp
