#include <daemon/smtp_settings.hpp>

namespace carelisten::daemon {

connectors::smtp::SmtpSettings SmtpSettingsFrom(const Settings& settings) {
    connectors::smtp::SmtpSettings smtp;
    smtp.url = settings.GetString("smtp_url");
    smtp.username = settings.GetString("smtp_username");
    smtp.password =
        SecretSource{settings.GetString("smtp_password_file"), settings.GetString("smtp_password_credential")};
    smtp.ca_file = settings.GetString("smtp_ca_file");
    smtp.allow_plaintext_loopback = settings.GetBool("smtp_allow_plaintext_loopback");
    smtp.from_address = settings.GetString("from_address");
    smtp.from_name = settings.GetString("from_name");
    return smtp;
}

}  // namespace carelisten::daemon
