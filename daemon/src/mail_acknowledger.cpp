#include <algorithm>
#include <array>
#include <common/log.hpp>
#include <cstdio>
#include <daemon/mail_acknowledger.hpp>
#include <daemon/smtp_settings.hpp>
#include <stdexcept>

namespace carelisten::daemon {
namespace {

constexpr std::string_view kLogModule = "acknowledgement";

const std::array kSpecs = {
    SettingSpec{.key = "enabled",
                .type = SettingType::kBool,
                .default_value = false,
                .description = "Send one acknowledgement with a reference number to a patient who writes by e-mail."},
    SettingSpec{.key = "sources",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{},
                .description = "The imap sources whose writers are acknowledged."},
    SettingSpec{.key = "smtp_url",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "smtps://host[:port] or smtp://host[:port] (STARTTLS required)."},
    SettingSpec{.key = "smtp_username",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "SMTP login; empty: no AUTH."},
    SettingSpec{.key = "smtp_password_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "File whose first line is the SMTP password."},
    SettingSpec{.key = "smtp_password_credential",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "systemd credential holding the SMTP password (instead of the file)."},
    SettingSpec{.key = "smtp_ca_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "PEM CA bundle for an internal CA; empty: the system store."},
    SettingSpec{.key = "smtp_allow_plaintext_loopback",
                .type = SettingType::kBool,
                .default_value = false,
                .description = "Allow smtp:// without TLS to a loopback address only (tests)."},
    SettingSpec{.key = "from_address",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "Sender of the acknowledgements, e.g. feedback@hospital.example."},
    SettingSpec{.key = "from_name",
                .type = SettingType::kString,
                .default_value = std::string{"Patient Relations"},
                .description = "Display name of the sender."},
    SettingSpec{.key = "subject_prefix",
                .type = SettingType::kString,
                .default_value = std::string{"Re: "},
                .description = "Put before the patient's subject."},
    SettingSpec{.key = "text",
                .type = SettingType::kString,
                .default_value = std::string{"Thank you for your message. We have received it and will reply as "
                                             "soon as possible.\n\nYour reference number: {reference}\n\nThis is "
                                             "an automatic acknowledgement."},
                .description = "The reply; {reference} becomes the reference number."},
};

const SettingsTable kTable{"mail_acknowledgement", kSpecs};

}  // namespace

const SettingsTable& MailAcknowledgementSettingsTable() {
    return kTable;
}

std::string ReferenceNumber(std::int64_t item_id) {
    char text[32];
    std::snprintf(text, sizeof(text), "CL-%06lld", static_cast<long long>(item_id));
    return text;
}

std::string AcknowledgementText(const std::string& template_text, const std::string& reference) {
    std::string out = template_text;
    constexpr std::string_view kPlaceholder = "{reference}";
    for (auto at = out.find(kPlaceholder); at != std::string::npos;
         at = out.find(kPlaceholder, at + reference.size())) {
        out.replace(at, kPlaceholder.size(), reference);
    }
    return out;
}

std::unique_ptr<MailAcknowledger> MailAcknowledger::Create(const Settings& settings) {
    if (!settings.GetBool("enabled")) {
        return nullptr;
    }
    connectors::smtp::SmtpSettings smtp = SmtpSettingsFrom(settings);
    smtp.timeout = std::chrono::milliseconds(10000);  // on the store thread: keep it short
    return std::unique_ptr<MailAcknowledger>(new MailAcknowledger(settings, connectors::smtp::SmtpSender(smtp)));
}

MailAcknowledger::MailAcknowledger(const Settings& settings, connectors::smtp::SmtpSender sender)
    : sources_(settings.GetStringList("sources")),
      subject_prefix_(settings.GetString("subject_prefix")),
      template_text_(settings.GetString("text")),
      sender_(std::move(sender)) {}

void MailAcknowledger::AfterCommit(crm::Store& store, const std::string& source,
                                   const std::vector<connectors::RawItem>& items) {
    if (std::find(sources_.begin(), sources_.end(), source) == sources_.end()) {
        return;
    }
    for (const auto& item : items) {
        if (item.channel != "email") {
            continue;
        }
        auto claim = store.ClaimMailAcknowledgement(source, item.external_id);
        if (!claim) {
            log::Warning(kLogModule, "source ", source,
                         ": could not claim an acknowledgement: ", claim.error().message());
            continue;
        }
        if (!claim.value()) {
            continue;  // noise, no author, or this thread was acknowledged today
        }
        const auto& target = *claim.value();
        // Every sender checks consent: a patient who unsubscribed from e-mail gets no acknowledgement either.
        const auto allowed = store.MaySend(target.author, "email", "acknowledgement");
        if (!allowed || !allowed.value()) {
            (void)store.FinishMailAcknowledgement(target, false, "");
            ++refused_;
            continue;
        }
        connectors::smtp::OutgoingMail mail;
        mail.to = target.author;
        const std::string subject = target.text.substr(0, target.text.find('\n'));
        mail.subject = subject.starts_with(subject_prefix_) ? subject : subject_prefix_ + subject;
        mail.text = AcknowledgementText(template_text_, ReferenceNumber(target.item_id));
        mail.auto_submitted = "auto-replied";
        if (!item.external_id.starts_with("sha256:")) {
            mail.in_reply_to = item.external_id;
            if (!item.thread_id.empty() && item.thread_id != item.external_id) {
                mail.references.push_back(item.thread_id);
            }
            mail.references.push_back(item.external_id);
        }
        const auto sent = sender_.Send(mail);
        if (sent) {
            ++sent_;
        } else {
            ++failed_;
            log::Warning(kLogModule, "source ", source, ": acknowledgement for item ", target.item_id,
                         " not sent: ", sent.error().message());
        }
        if (auto recorded = store.FinishMailAcknowledgement(target, static_cast<bool>(sent), sent ? sent.value() : "");
            !recorded) {
            log::Warning(kLogModule, "source ", source, ": acknowledgement for item ", target.item_id,
                         " not recorded: ", recorded.error().message());
        }
    }
}

}  // namespace carelisten::daemon
