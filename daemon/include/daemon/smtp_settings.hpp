/// @file
/// @brief The SMTP keys that `[mail_acknowledgement]` and `[surveys]` both declare (smtp_url, smtp_username,
/// smtp_password_file, smtp_password_credential, smtp_ca_file, smtp_allow_plaintext_loopback, from_address,
/// from_name), read into the SMTP sender's settings in one place.
#pragma once

#include <common/settings.hpp>
#include <connectors/smtp/smtp_sender.hpp>

namespace carelisten::daemon {

connectors::smtp::SmtpSettings SmtpSettingsFrom(const Settings& settings);

}  // namespace carelisten::daemon
