#include <curl/curl.h>
#include <gmime/gmime.h>

#include <algorithm>
#include <connectors/errc.hpp>
#include <connectors/smtp/smtp_sender.hpp>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>

namespace carelisten::connectors::smtp {
namespace {

void InitOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        g_mime_init();
        curl_global_init(CURL_GLOBAL_DEFAULT);
    });
}

template <typename T>
struct GObjectDeleter {
    void operator()(T* object) const {
        if (object != nullptr) {
            g_object_unref(object);
        }
    }
};

bool IsLoopbackHost(std::string_view url) {
    const auto scheme = url.find("://");
    auto rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
    rest = rest.substr(0, rest.find('/'));
    if (rest.starts_with("[::1]")) {
        return true;
    }
    rest = rest.substr(0, rest.find(':'));
    return rest == "127.0.0.1" || rest == "localhost";
}

/// An address that cannot smuggle SMTP commands or extra headers.
bool IsPlainAddress(std::string_view address) {
    const auto at = address.find('@');
    return !address.empty() && address.size() <= 254 && at != std::string_view::npos && at > 0 &&
           at + 1 < address.size() && std::none_of(address.begin(), address.end(), [](char c) {
               return c == '\r' || c == '\n' || c == '<' || c == '>' || c == ' ' || c == ',' || c == '"' ||
                      static_cast<unsigned char>(c) < 0x20;
           });
}

std::string Bracketed(const std::string& id) {
    return "<" + id + ">";
}

struct Upload {
    std::string_view data;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* upload = static_cast<Upload*>(user);
    const std::size_t bytes = std::min(size * count, upload->data.size());
    std::memcpy(buffer, upload->data.data(), bytes);
    upload->data.remove_prefix(bytes);
    return bytes;
}

}  // namespace

std::string NewMessageId(const std::string& from_address) {
    std::random_device device;
    std::string id;
    constexpr std::string_view kHex = "0123456789abcdef";
    for (int i = 0; i < 32; ++i) {
        id += kHex[device() & 0xF];
    }
    const auto at = from_address.find('@');
    return id + "@" + (at == std::string::npos ? std::string("carelisten.invalid") : from_address.substr(at + 1));
}

std::string BuildMessage(const OutgoingMail& mail, const std::string& from_address, const std::string& from_name,
                         const std::string& message_id) {
    InitOnce();
    std::unique_ptr<GMimeMessage, GObjectDeleter<GMimeMessage>> message(g_mime_message_new(TRUE));
    auto* object = reinterpret_cast<GMimeObject*>(message.get());
    g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_FROM, from_name.empty() ? nullptr : from_name.c_str(),
                               from_address.c_str());
    g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO, nullptr, mail.to.c_str());
    g_mime_message_set_subject(message.get(), mail.subject.c_str(), "utf-8");
    g_mime_message_set_message_id(message.get(), message_id.c_str());
    GDateTime* now = g_date_time_new_now_utc();
    g_mime_message_set_date(message.get(), now);
    g_date_time_unref(now);
    if (!mail.in_reply_to.empty()) {
        g_mime_object_set_header(object, "In-Reply-To", Bracketed(mail.in_reply_to).c_str(), nullptr);
    }
    if (!mail.references.empty()) {
        std::string references;
        for (const auto& id : mail.references) {
            references += (references.empty() ? "" : " ") + Bracketed(id);
        }
        g_mime_object_set_header(object, "References", references.c_str(), nullptr);
    }
    if (!mail.auto_submitted.empty()) {
        g_mime_object_set_header(object, "Auto-Submitted", mail.auto_submitted.c_str(), nullptr);
        // Exchange and others: do not send out-of-office answers to this message.
        g_mime_object_set_header(object, "X-Auto-Response-Suppress", "All", nullptr);
    }
    std::unique_ptr<GMimeTextPart, GObjectDeleter<GMimeTextPart>> body(g_mime_text_part_new_with_subtype("plain"));
    g_mime_text_part_set_text(body.get(), mail.text.c_str());
    g_mime_text_part_set_charset(body.get(), "utf-8");
    g_mime_part_set_content_encoding(reinterpret_cast<GMimePart*>(body.get()), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    g_mime_message_set_mime_part(message.get(), reinterpret_cast<GMimeObject*>(body.get()));
    GMimeFormatOptions* options = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
    char* text = g_mime_object_to_string(object, options);
    g_mime_format_options_free(options);
    std::string result = text != nullptr ? text : "";
    g_free(text);
    return result;
}

SmtpSender::SmtpSender(SmtpSettings settings) : settings_(std::move(settings)) {
    InitOnce();
    if (settings_.url.starts_with("smtp://")) {
        plaintext_ = settings_.allow_plaintext_loopback && IsLoopbackHost(settings_.url);
    } else if (!settings_.url.starts_with("smtps://")) {
        throw std::invalid_argument("smtp url must be smtps:// or smtp:// (STARTTLS)");
    }
    if (!IsPlainAddress(settings_.from_address)) {
        throw std::invalid_argument("smtp from_address is not a plain address");
    }
    if (!settings_.username.empty() && !settings_.password.Configured()) {
        throw std::invalid_argument("smtp username set without password_file/password_credential");
    }
}

Result<std::string> SmtpSender::Send(const OutgoingMail& mail) const {
    if (!IsPlainAddress(mail.to)) {
        return make_error_code(ConnectorErrc::kPermanent);
    }
    const std::string message_id = mail.message_id.empty() ? NewMessageId(settings_.from_address) : mail.message_id;
    const std::string message = BuildMessage(mail, settings_.from_address, settings_.from_name, message_id);
    Secret password;
    if (!settings_.username.empty()) {
        try {
            password = settings_.password.Read();
        } catch (const std::exception&) {
            return make_error_code(ConnectorErrc::kAuthBroken);
        }
    }
    std::unique_ptr<CURL, void (*)(CURL*)> handle(curl_easy_init(), &curl_easy_cleanup);
    if (!handle) {
        return make_error_code(ConnectorErrc::kRetryLater);
    }
    CURL* curl = handle.get();
    curl_easy_setopt(curl, CURLOPT_URL, settings_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, settings_.url.starts_with("smtps://") ? "smtps" : "smtp");
    // smtp:// to anything but an allowed loopback sink must upgrade with STARTTLS or fail.
    curl_easy_setopt(curl, CURLOPT_USE_SSL,
                     plaintext_ ? static_cast<long>(CURLUSESSL_NONE) : static_cast<long>(CURLUSESSL_ALL));
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!settings_.ca_file.empty()) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_file.c_str());
    }
    if (!settings_.username.empty()) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, settings_.username.c_str());
        curl_easy_setopt(curl, CURLOPT_PASSWORD, password.Reveal().c_str());
    }
    const std::string from = Bracketed(settings_.from_address);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    const std::string to = Bracketed(mail.to);
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> recipients(curl_slist_append(nullptr, to.c_str()),
                                                                  &curl_slist_free_all);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients.get());
    Upload upload{message};
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadUpload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    const long timeout_ms = static_cast<long>(settings_.timeout.count());
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    const CURLcode code = curl_easy_perform(curl);
    if (code == CURLE_OK) {
        return message_id;
    }
    long response = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response);
    if (code == CURLE_LOGIN_DENIED) {
        return make_error_code(ConnectorErrc::kAuthBroken);
    }
    if (response >= 500 || code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_USE_SSL_FAILED ||
        code == CURLE_UNSUPPORTED_PROTOCOL) {
        return make_error_code(ConnectorErrc::kPermanent);
    }
    return make_error_code(ConnectorErrc::kRetryLater);
}

}  // namespace carelisten::connectors::smtp
