#include <curl/curl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <common/log.hpp>
#include <common/secret.hpp>
#include <connectors/errc.hpp>
#include <connectors/imap/imap_connector.hpp>
#include <connectors/mail/mail_wire.hpp>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <set>
#include <stdexcept>

namespace carelisten::connectors::imap {
namespace {

constexpr std::string_view kLogModule = "imap";
/// Header blocks of oversized messages are read for the quarantine, capped here.
constexpr std::size_t kMaxHeaderBytes = 256 * 1024;
/// Custom-request answers (SEARCH, FETCH sizes) for one batch stay far below this.
constexpr std::size_t kMaxResponseBytes = 8 * 1024 * 1024;
constexpr std::size_t kMaxCursorBytes = 64 * 1024;

const std::array kSettingSpecs = {
    SettingSpec{.key = "url",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "Server as imaps://host[:port]. imap:// (no TLS) only to 127.0.0.1/::1/localhost and "
                               "only with allow_plaintext_loopback (tests)."},
    SettingSpec{.key = "username",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "IMAP login name."},
    SettingSpec{.key = "password_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "File whose first line is the IMAP password (read at each poll)."},
    SettingSpec{.key = "password_credential",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "systemd credential name holding the IMAP password (instead of password_file)."},
    SettingSpec{.key = "mailboxes",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{"INBOX"},
                .description = "Mailboxes read, each with its own cursor (UIDVALIDITY + highest committed UID)."},
    SettingSpec{.key = "ca_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "PEM CA bundle for an internal CA; empty: the system store. Verification stays on."},
    SettingSpec{.key = "allow_plaintext_loopback",
                .type = SettingType::kBool,
                .default_value = false,
                .description = "Allow imap:// without TLS, to a loopback address only (for tests)."},
    SettingSpec{.key = "max_message_bytes",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{10485760},
                .description = "Larger messages are not downloaded: their header is quarantined with the reason.",
                .min = 1024,
                .max = 268435456},
    SettingSpec{.key = "after_commit",
                .type = SettingType::kString,
                .default_value = std::string{"seen"},
                .description = "After the commit: 'seen' sets \\Seen, 'move' moves the messages to move_to.",
                .choices = "seen|move"},
    SettingSpec{.key = "move_to",
                .type = SettingType::kString,
                .default_value = std::string{"Processed"},
                .description = "Folder for after_commit = \"move\" (created when missing)."},
    SettingSpec{.key = "sweep_interval_minutes",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{60},
                .description = "How often unseen messages below the cursor are swept up by date (0: never).",
                .min = 0,
                .max = 10080},
    SettingSpec{.key = "sweep_days",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{3},
                .description = "How many days back the sweep looks (SINCE).",
                .min = 1,
                .max = 365},
    SettingSpec{.key = "timeout_seconds",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{20},
                .description = "Bound on each IMAP request: Fetch and Acknowledge run on the daemon's store thread.",
                .min = 1,
                .max = 300},
};

std::unique_ptr<Connector> Create(std::string name, const Settings& settings, const ConnectorContext& /*context*/) {
    return std::make_unique<ImapConnector>(std::move(name), settings);
}

const ConnectorFactory kFactory{
    .type = "imap",
    .description = "E-mail from IMAP mailboxes (imaps, libcurl): UID cursor per mailbox, \\Seen or move after commit",
    .settings = SettingsTable{.name = "imap", .specs = kSettingSpecs},
    .create = &Create,
};

struct CurlGlobal {
    CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

void EnsureCurlGlobal() {
    static CurlGlobal global;
    (void)global;
}

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

/// A mailbox name in a URL path: everything outside the unreserved set percent-encoded.
std::string UrlEncodeMailbox(std::string_view mailbox) {
    std::string out;
    constexpr std::string_view kHex = "0123456789ABCDEF";
    for (const unsigned char c : mailbox) {
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

/// A mailbox name as an IMAP quoted string (custom requests).
std::string Quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        if (c != '\r' && c != '\n') {
            out += c;
        }
    }
    return out + "\"";
}

std::string UidSet(const std::vector<std::uint64_t>& uids) {
    std::string out;
    for (const auto uid : uids) {
        if (!out.empty()) {
            out += ',';
        }
        out += std::to_string(uid);
    }
    return out;
}

std::string ImapDate(std::int64_t unix_seconds) {
    static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t time = unix_seconds;
    std::tm tm{};
    gmtime_r(&time, &tm);
    return std::to_string(tm.tm_mday) + "-" + kMonths.at(static_cast<std::size_t>(tm.tm_mon)) + "-" +
           std::to_string(tm.tm_year + 1900);
}

std::int64_t UnixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::vector<std::string_view> ResponseLines(std::string_view response) {
    std::vector<std::string_view> lines;
    while (!response.empty()) {
        const auto end = response.find('\n');
        auto line = response.substr(0, end);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        lines.push_back(line);
        if (end == std::string_view::npos) {
            break;
        }
        response.remove_prefix(end + 1);
    }
    return lines;
}

/// The numbers after `keyword` (case-sensitive, as servers send them) in `text`.
std::optional<std::uint64_t> NumberAfter(std::string_view text, std::string_view keyword) {
    std::size_t at = 0;
    while ((at = text.find(keyword, at)) != std::string_view::npos) {
        const bool word_start = at == 0 || text[at - 1] == ' ' || text[at - 1] == '(';
        const auto after = at + keyword.size();
        if (word_start && after < text.size() && text[after] == ' ') {
            std::uint64_t value = 0;
            const auto* begin = text.data() + after + 1;
            const auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
            if (error == std::errc() && end != begin) {
                return value;
            }
        }
        at = after;
    }
    return std::nullopt;
}

struct Response {
    std::string body;
    std::size_t cap = 0;
    bool overflow = false;
};

std::size_t WriteBody(char* data, std::size_t size, std::size_t count, void* user) {
    auto* response = static_cast<Response*>(user);
    const std::size_t bytes = size * count;
    if (response->body.size() + bytes > response->cap) {
        response->overflow = true;
        return 0;  // aborts the transfer: CURLE_WRITE_ERROR
    }
    response->body.append(data, bytes);
    return bytes;
}

FetchError ClassifyCurl(CURLcode code, std::string_view what) {
    std::string detail = "IMAP " + std::string(what) + ": " + curl_easy_strerror(code);
    switch (code) {
        case CURLE_LOGIN_DENIED:
            return {make_error_code(ConnectorErrc::kAuthBroken), detail + "; check password_file/password_credential",
                    std::nullopt};
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
        case CURLE_USE_SSL_FAILED:
            return {make_error_code(ConnectorErrc::kPermanent), detail, std::nullopt};
        default:
            return {make_error_code(ConnectorErrc::kRetryLater), detail, std::nullopt};
    }
}

std::string MailboxLocator(std::string_view mailbox, std::uint64_t uidvalidity, std::uint64_t uid) {
    return std::string(mailbox) + ";UIDVALIDITY=" + std::to_string(uidvalidity) + ";UID=" + std::to_string(uid);
}

constexpr std::string_view kOversizedPrefix = "oversized:";

std::string FormatAttachment(const mail::MailAttachment& attachment) {
    std::string line = "[attachment: ";
    line += attachment.name.empty() ? std::string("(unnamed)") : attachment.name;
    line += " (" + attachment.content_type;
    if (attachment.content_type != "message/rfc822") {
        line += ", " + std::to_string(attachment.size) + " bytes";
    }
    return line + ")]";
}

}  // namespace

// ---- cursor and response parsers ----

std::string EncodeCursor(const Cursor& cursor) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("mailboxes");
    writer.StartObject();
    for (const auto& [mailbox, state] : cursor) {
        writer.Key(mailbox.data(), static_cast<rapidjson::SizeType>(mailbox.size()));
        writer.StartObject();
        writer.Key("uidvalidity");
        writer.Uint64(state.uidvalidity);
        writer.Key("uid");
        writer.Uint64(state.uid);
        writer.Key("last_sweep");
        writer.Int64(state.last_sweep);
        writer.EndObject();
    }
    writer.EndObject();
    writer.EndObject();
    return buffer.GetString();
}

std::optional<Cursor> DecodeCursor(std::string_view text) {
    if (text.size() > kMaxCursorBytes) {
        return std::nullopt;
    }
    rapidjson::Document document;
    document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
    if (document.HasParseError() || !document.IsObject() || !document.HasMember("mailboxes") ||
        !document["mailboxes"].IsObject()) {
        return std::nullopt;
    }
    Cursor cursor;
    for (const auto& member : document["mailboxes"].GetObject()) {
        const auto& value = member.value;
        if (!value.IsObject() || !value.HasMember("uidvalidity") || !value["uidvalidity"].IsUint64() ||
            !value.HasMember("uid") || !value["uid"].IsUint64()) {
            return std::nullopt;
        }
        MailboxState state;
        state.uidvalidity = value["uidvalidity"].GetUint64();
        state.uid = value["uid"].GetUint64();
        if (value.HasMember("last_sweep") && value["last_sweep"].IsInt64()) {
            state.last_sweep = value["last_sweep"].GetInt64();
        }
        cursor.emplace(std::string(member.name.GetString(), member.name.GetStringLength()), state);
    }
    return cursor;
}

std::vector<std::uint64_t> ParseSearch(std::string_view response) {
    std::vector<std::uint64_t> numbers;
    for (auto line : ResponseLines(response)) {
        if (!line.starts_with("* SEARCH")) {
            continue;
        }
        line.remove_prefix(8);
        while (!line.empty()) {
            while (!line.empty() && line.front() == ' ') {
                line.remove_prefix(1);
            }
            std::uint64_t value = 0;
            const auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), value);
            if (error != std::errc() || end == line.data()) {
                break;  // "(MODSEQ ...)" or garbage ends the list
            }
            numbers.push_back(value);
            line.remove_prefix(static_cast<std::size_t>(end - line.data()));
        }
    }
    return numbers;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> ParseStatus(std::string_view response) {
    for (const auto line : ResponseLines(response)) {
        if (!line.starts_with("* STATUS ")) {
            continue;
        }
        const auto open = line.rfind('(');
        if (open == std::string_view::npos) {
            continue;
        }
        const auto items = line.substr(open);
        const auto validity = NumberAfter(items, "UIDVALIDITY");
        const auto next = NumberAfter(items, "UIDNEXT");
        if (validity && next) {
            return std::make_pair(*validity, *next);
        }
    }
    return std::nullopt;
}

std::map<std::uint64_t, std::uint64_t> ParseSizes(std::string_view response) {
    std::map<std::uint64_t, std::uint64_t> sizes;
    for (const auto line : ResponseLines(response)) {
        if (!line.starts_with("* ") || line.find(" FETCH (") == std::string_view::npos) {
            continue;
        }
        const auto uid = NumberAfter(line, "UID");
        const auto size = NumberAfter(line, "RFC822.SIZE");
        if (uid && size) {
            sizes[*uid] = *size;
        }
    }
    return sizes;
}

std::variant<RawItem, BadRecord> MessageToItem(std::string_view source, std::string_view raw, std::string locator) {
    auto parsed = mail::ParseMail(raw);
    if (!parsed) {
        return BadRecord{std::move(locator), "not an RFC 5322 message (no header block)", std::string(raw), false};
    }
    RawItem item;
    item.source = std::string(source);
    item.external_id = parsed->message_id.empty() ? mail::RawMessageId(raw) : parsed->message_id;
    item.channel = "email";
    item.text = parsed->subject;
    if (!parsed->new_text.empty()) {
        item.text += item.text.empty() ? "" : "\n\n";
        item.text += parsed->new_text;
    }
    for (const auto& attachment : parsed->attachments) {
        item.text += item.text.empty() ? "" : "\n";
        item.text += FormatAttachment(attachment);
    }
    item.author = parsed->from_address;
    item.thread_id = parsed->ThreadRoot();
    if (item.thread_id.empty()) {
        item.thread_id = item.external_id;
    }
    item.reply_to = parsed->in_reply_to;
    item.posted_at = parsed->date;
    item.mail_headers.reserve(parsed->headers.size());
    for (auto& header : parsed->headers) {
        item.mail_headers.emplace_back(std::move(header.name), std::move(header.value));
    }
    return item;
}

// ---- the connector ----

/// One curl easy handle: libcurl keeps the IMAP connection (and its login) alive between requests.
struct ImapConnector::Session {
    CURL* handle = nullptr;
    Secret password;

    Session() : handle(curl_easy_init()) {
        if (handle == nullptr) {
            throw std::runtime_error("curl_easy_init failed");
        }
    }
    ~Session() { curl_easy_cleanup(handle); }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
};

ImapConnector::ImapConnector(std::string name, const Settings& settings)
    : name_(std::move(name)),
      url_(settings.GetString("url")),
      username_(settings.GetString("username")),
      mailboxes_(settings.GetStringList("mailboxes")),
      ca_file_(settings.GetString("ca_file")),
      max_message_bytes_(static_cast<std::uint64_t>(settings.GetInt("max_message_bytes"))),
      move_(settings.GetString("after_commit") == "move"),
      move_to_(settings.GetString("move_to")),
      sweep_interval_seconds_(settings.GetInt("sweep_interval_minutes") * 60),
      sweep_days_(settings.GetInt("sweep_days")),
      timeout_ms_(static_cast<long>(settings.GetInt("timeout_seconds") * 1000)),
      password_file_(settings.GetString("password_file")),
      password_credential_(settings.GetString("password_credential")) {
    while (!url_.empty() && url_.back() == '/') {
        url_.pop_back();
    }
    const std::string where = "sources." + name_ + ": ";
    if (url_.starts_with("imap://")) {
        if (!settings.GetBool("allow_plaintext_loopback") || !IsLoopbackHost(url_)) {
            throw std::invalid_argument(where +
                                        "url must be imaps:// (imap:// only to loopback with "
                                        "allow_plaintext_loopback)");
        }
        plaintext_ = true;
    } else if (!url_.starts_with("imaps://")) {
        throw std::invalid_argument(where + "url must be imaps://host[:port]");
    }
    if (url_.find('/', url_.find("://") + 3) != std::string::npos) {
        throw std::invalid_argument(where + "url names the server only; list mailboxes in `mailboxes`");
    }
    if (username_.empty()) {
        throw std::invalid_argument(where + "set username");
    }
    if (password_file_.empty() == password_credential_.empty()) {
        throw std::invalid_argument(where + "set exactly one of password_file and password_credential");
    }
    if (mailboxes_.empty()) {
        throw std::invalid_argument(where + "mailboxes is empty");
    }
    if (move_ && move_to_.empty()) {
        throw std::invalid_argument(where + "after_commit = \"move\" needs move_to");
    }
    EnsureCurlGlobal();
}

ImapConnector::~ImapConnector() = default;

namespace {

/// One IMAP request on the session's handle. `path` is appended to the server URL ("/INBOX;UID=5", "/").
struct Request {
    std::string path;
    std::string custom;  ///< CUSTOMREQUEST, empty for a URL fetch
    std::size_t cap = kMaxResponseBytes;
};

}  // namespace

// Runs one request; the response body (custom request: the untagged lines; fetch: the message) or the curl code.
static std::variant<std::string, CURLcode> Perform(CURL* handle, const std::string& base, const std::string& user,
                                                   const Secret& password, bool plaintext, const std::string& ca_file,
                                                   long timeout_ms, const Request& request, bool* overflow) {
    curl_easy_reset(handle);  // keeps the live connection; clears the previous request's options
    Response response;
    response.cap = request.cap;
    const std::string url = base + request.path;
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, plaintext ? "imap" : "imaps");
    curl_easy_setopt(handle, CURLOPT_USE_SSL,
                     plaintext ? static_cast<long>(CURLUSESSL_NONE) : static_cast<long>(CURLUSESSL_ALL));
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(handle, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!ca_file.empty()) {
        curl_easy_setopt(handle, CURLOPT_CAINFO, ca_file.c_str());
    }
    curl_easy_setopt(handle, CURLOPT_USERNAME, user.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, password.Reveal().c_str());
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L));
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response);
    if (!request.custom.empty()) {
        curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.custom.c_str());
    }
    const CURLcode code = curl_easy_perform(handle);
    if (overflow != nullptr) {
        *overflow = response.overflow;
    }
    if (code != CURLE_OK) {
        return code;
    }
    return std::move(response.body);
}

Result<Batch> ImapConnector::Fetch(const std::optional<std::string>& cursor_text, std::size_t max_items) {
    last_error_.clear();
    Cursor cursor;
    if (cursor_text && !cursor_text->empty()) {
        auto decoded = DecodeCursor(*cursor_text);
        if (!decoded) {
            last_error_ = "the stored cursor is not an imap cursor";
            return make_error_code(ConnectorErrc::kPermanent);
        }
        cursor = std::move(*decoded);
    }
    // A fresh connection per poll: a connection that kept a mailbox selected may go on showing it as it was
    // (a renumbered mailbox keeps its old UIDVALIDITY there). Acknowledge reuses this poll's connection.
    session_ = std::make_unique<Session>();
    try {
        session_->password = SecretSource{password_file_, password_credential_}.Read();
    } catch (const std::exception& error) {
        last_error_ = error.what();
        return make_error_code(ConnectorErrc::kAuthBroken);
    }
    const auto fail = [&](CURLcode code, std::string_view what) -> std::error_code {
        auto error = ClassifyCurl(code, what);
        last_error_ = "source " + name_ + ": " + error.detail;
        session_.reset();  // a broken connection is not reused
        return error.code;
    };
    const auto run = [&](const Request& request, bool* overflow = nullptr) {
        return Perform(session_->handle, url_, username_, session_->password, plaintext_, ca_file_, timeout_ms_,
                       request, overflow);
    };

    Batch batch;
    rapidjson::Document ack(rapidjson::kObjectType);
    auto& allocator = ack.GetAllocator();
    std::size_t budget = max_items == 0 ? 1 : max_items;
    const std::int64_t now = UnixNow();

    for (const auto& mailbox : mailboxes_) {
        if (budget == 0) {
            batch.has_more = true;
            break;
        }
        auto status = run({"/", "STATUS " + Quoted(mailbox) + " (UIDVALIDITY UIDNEXT)", kMaxResponseBytes});
        if (auto* code = std::get_if<CURLcode>(&status)) {
            return fail(*code, "STATUS of a mailbox");
        }
        const auto validity_next = ParseStatus(std::get<std::string>(status));
        if (!validity_next) {
            last_error_ = "source " + name_ + ": STATUS gave no UIDVALIDITY/UIDNEXT";
            return make_error_code(ConnectorErrc::kRetryLater);
        }
        const auto [uidvalidity, uidnext] = *validity_next;
        MailboxState& state = cursor[mailbox];
        if (state.uidvalidity != uidvalidity) {
            if (state.uidvalidity != 0) {
                // The server renumbered the mailbox: read it all again; the Message-ID dedupes what is stored.
                log::Notice(kLogModule, "source ", name_, ": UIDVALIDITY changed (", state.uidvalidity, " -> ",
                            uidvalidity, "); full sweep, deduplicated by Message-ID");
            }
            state = MailboxState{uidvalidity, 0, state.last_sweep};
        }
        const std::string mailbox_path =
            "/" + UrlEncodeMailbox(mailbox) + ";UIDVALIDITY=" + std::to_string(uidvalidity);

        std::vector<std::uint64_t> uids;
        if (uidnext > state.uid + 1) {
            auto search =
                run({mailbox_path, "UID SEARCH UID " + std::to_string(state.uid + 1) + ":*", kMaxResponseBytes});
            if (auto* code = std::get_if<CURLcode>(&search)) {
                return fail(*code, "UID SEARCH");
            }
            for (const auto uid : ParseSearch(std::get<std::string>(search))) {
                if (uid > state.uid) {  // "n:*" always includes the highest UID, even below n
                    uids.push_back(uid);
                }
            }
            std::sort(uids.begin(), uids.end());
            uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
        }
        if (uids.size() > budget) {
            uids.resize(budget);
            batch.has_more = true;
        }
        std::vector<std::uint64_t> swept;
        if (sweep_interval_seconds_ > 0 && now - state.last_sweep >= sweep_interval_seconds_ && budget > uids.size()) {
            // Messages below the cursor never fetched (so still unseen): a late delivery or a lost notification.
            auto sweep = run(
                {mailbox_path, "UID SEARCH UNSEEN SINCE " + ImapDate(now - sweep_days_ * 86400), kMaxResponseBytes});
            if (auto* code = std::get_if<CURLcode>(&sweep)) {
                return fail(*code, "sweep search");
            }
            for (const auto uid : ParseSearch(std::get<std::string>(sweep))) {
                if (uid <= state.uid && swept.size() + uids.size() < budget) {
                    swept.push_back(uid);
                }
            }
            state.last_sweep = now;
        }
        std::vector<std::uint64_t> all = swept;
        all.insert(all.end(), uids.begin(), uids.end());
        // after_commit = "move": messages below the cursor still here and downloaded (\Seen) were committed but
        // not moved (a crash between the commit and the move): move them with this batch, without reading them.
        std::vector<std::uint64_t> leftovers;
        if (move_ && state.uid > 0) {
            auto left = run({mailbox_path, "UID SEARCH SEEN UID 1:" + std::to_string(state.uid), kMaxResponseBytes});
            if (auto* code = std::get_if<CURLcode>(&left)) {
                return fail(*code, "search for unmoved messages");
            }
            for (const auto uid : ParseSearch(std::get<std::string>(left))) {
                if (uid <= state.uid && std::find(swept.begin(), swept.end(), uid) == swept.end()) {
                    leftovers.push_back(uid);
                }
            }
        }
        if (all.empty() && leftovers.empty()) {
            continue;
        }
        rapidjson::Value acked(rapidjson::kArrayType);
        for (const auto uid : leftovers) {
            acked.PushBack(uid, allocator);
        }
        auto sizes_response =
            all.empty() ? std::variant<std::string, CURLcode>(std::string())
                        : run({mailbox_path, "UID FETCH " + UidSet(all) + " (UID RFC822.SIZE)", kMaxResponseBytes});
        if (auto* code = std::get_if<CURLcode>(&sizes_response)) {
            return fail(*code, "UID FETCH sizes");
        }
        const auto sizes = ParseSizes(std::get<std::string>(sizes_response));
        for (const auto uid : all) {
            const auto size = sizes.find(uid);
            if (size == sizes.end()) {
                // Expunged between SEARCH and FETCH: nothing to read any more.
                state.uid = std::max(state.uid, uid);
                continue;
            }
            const std::string uid_path = mailbox_path + "/;UID=" + std::to_string(uid);
            std::string locator = MailboxLocator(mailbox, uidvalidity, uid);
            if (size->second > max_message_bytes_) {
                auto header = run({uid_path + "/;SECTION=HEADER", "", kMaxHeaderBytes});
                std::string raw;
                bool truncated = false;
                if (auto* text = std::get_if<std::string>(&header)) {
                    raw = std::move(*text);
                } else if (std::get<CURLcode>(header) != CURLE_WRITE_ERROR) {
                    return fail(std::get<CURLcode>(header), "header of an oversized message");
                } else {
                    truncated = true;
                }
                batch.bad_records.push_back({std::string(kOversizedPrefix) + locator,
                                             "oversized message: " + std::to_string(size->second) + " bytes, cap " +
                                                 std::to_string(max_message_bytes_) + " (max_message_bytes)",
                                             std::move(raw), truncated});
            } else {
                bool overflow = false;
                auto body = run({uid_path, "", static_cast<std::size_t>(max_message_bytes_) + 65536}, &overflow);
                if (auto* code = std::get_if<CURLcode>(&body)) {
                    if (overflow) {
                        batch.bad_records.push_back({std::string(kOversizedPrefix) + locator,
                                                     "oversized message: grew past max_message_bytes while read", "",
                                                     true});
                    } else {
                        return fail(*code, "UID FETCH of a message");
                    }
                } else {
                    auto parsed = MessageToItem(name_, std::get<std::string>(body), locator);
                    if (auto* item = std::get_if<RawItem>(&parsed)) {
                        batch.items.push_back(std::move(*item));
                    } else {
                        batch.bad_records.push_back(std::move(std::get<BadRecord>(parsed)));
                    }
                }
            }
            acked.PushBack(uid, allocator);
            state.uid = std::max(state.uid, uid);
            budget = budget > 0 ? budget - 1 : 0;
        }
        rapidjson::Value entry(rapidjson::kObjectType);
        entry.AddMember("uidvalidity", uidvalidity, allocator);
        entry.AddMember("uids", acked, allocator);
        ack.AddMember(rapidjson::Value(mailbox.c_str(), allocator), entry, allocator);
    }
    batch.next_cursor = EncodeCursor(cursor);
    if (ack.MemberCount() > 0) {
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        ack.Accept(writer);
        batch.ack_token = buffer.GetString();
    }
    if (cursor_text && *cursor_text == *batch.next_cursor) {
        batch.next_cursor.reset();
    }
    return batch;
}

Result<void> ImapConnector::Acknowledge(const Batch& batch) {
    if (batch.ack_token.empty()) {
        return outcome::success();
    }
    // Test-only fault hook (the mail e2e): die between the commit and the \Seen/move, as a power cut would.
    if (const char* fault = std::getenv("CARELISTEN_FAULT_IMAP_KILL_BEFORE_ACK"); fault != nullptr && *fault == '1') {
        std::raise(SIGKILL);
    }
    rapidjson::Document ack;
    ack.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(batch.ack_token.data(),
                                                                                      batch.ack_token.size());
    if (ack.HasParseError() || !ack.IsObject()) {
        return make_error_code(ConnectorErrc::kPermanent);
    }
    if (!session_) {
        session_ = std::make_unique<Session>();
    }
    try {
        session_->password = SecretSource{password_file_, password_credential_}.Read();
    } catch (const std::exception& error) {
        last_error_ = error.what();
        return make_error_code(ConnectorErrc::kAuthBroken);
    }
    for (const auto& member : ack.GetObject()) {
        const std::string mailbox(member.name.GetString(), member.name.GetStringLength());
        if (!member.value.IsObject() || !member.value.HasMember("uids") || !member.value["uids"].IsArray() ||
            !member.value.HasMember("uidvalidity") || !member.value["uidvalidity"].IsUint64()) {
            return make_error_code(ConnectorErrc::kPermanent);
        }
        std::vector<std::uint64_t> uids;
        for (const auto& uid : member.value["uids"].GetArray()) {
            if (uid.IsUint64()) {
                uids.push_back(uid.GetUint64());
            }
        }
        if (uids.empty()) {
            continue;
        }
        // ;UIDVALIDITY= makes curl refuse a renumbered mailbox: those UIDs would name other messages now.
        const std::string path =
            "/" + UrlEncodeMailbox(mailbox) + ";UIDVALIDITY=" + std::to_string(member.value["uidvalidity"].GetUint64());
        const std::string command = move_ ? "UID MOVE " + UidSet(uids) + " " + Quoted(move_to_)
                                          : "UID STORE " + UidSet(uids) + " +FLAGS.SILENT (\\Seen)";
        auto result = Perform(session_->handle, url_, username_, session_->password, plaintext_, ca_file_, timeout_ms_,
                              {path, command, kMaxResponseBytes}, nullptr);
        if (std::holds_alternative<CURLcode>(result) && move_) {
            // The folder may not exist yet ([TRYCREATE]); create it (an existing one makes CREATE fail: fine).
            (void)Perform(session_->handle, url_, username_, session_->password, plaintext_, ca_file_, timeout_ms_,
                          {"/", "CREATE " + Quoted(move_to_), kMaxResponseBytes}, nullptr);
            result = Perform(session_->handle, url_, username_, session_->password, plaintext_, ca_file_, timeout_ms_,
                             {path, command, kMaxResponseBytes}, nullptr);
        }
        if (auto* code = std::get_if<CURLcode>(&result)) {
            auto error = ClassifyCurl(*code, move_ ? "UID MOVE" : "UID STORE");
            last_error_ = "source " + name_ + ": " + error.detail;
            session_.reset();
            return error.code;
        }
    }
    return outcome::success();
}

std::variant<RawItem, BadRecord> ImapConnector::ParseRecord(std::string_view raw, std::string_view locator) const {
    if (locator.starts_with(kOversizedPrefix)) {
        return BadRecord{std::string(locator), "oversized message: only its header was kept", std::string(raw), false};
    }
    return MessageToItem(name_, raw, std::string(locator));
}

const ConnectorFactory& Factory() {
    return kFactory;
}

}  // namespace carelisten::connectors::imap
