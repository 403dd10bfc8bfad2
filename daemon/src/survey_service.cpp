#include <sys/stat.h>
#include <unicode/calendar.h>
#include <unicode/timezone.h>

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <common/log.hpp>
#include <connectors/hl7/hl7_message.hpp>
#include <connectors/smtp/smtp_sender.hpp>
#include <connectors/twilio/phone.hpp>
#include <daemon/config.hpp>
#include <daemon/hl7_listener.hpp>
#include <daemon/metrics.hpp>
#include <daemon/smtp_settings.hpp>
#include <daemon/survey_service.hpp>
#include <daemon/survey_summary.hpp>
#include <fstream>
#include <nlp/analyzer.hpp>
#include <random>
#include <surveys/schedule.hpp>
#include <surveys/web_form.hpp>

namespace carelisten::daemon {
namespace {

constexpr std::string_view kLogModule = "surveys";
constexpr std::size_t kPassBatch = 200;

const std::array kSpecs = {
    SettingSpec{.key = "enabled",
                .type = SettingType::kBool,
                .default_value = false,
                .description = "Run the two-week follow-up surveys (scheduler, web form, HL7 listener)."},
    SettingSpec{.key = "hospital_name",
                .type = SettingType::kString,
                .default_value = std::string{"our hospital"},
                .description = "How invitations and the form name the hospital."},
    SettingSpec{.key = "time_zone",
                .type = SettingType::kString,
                .default_value = std::string{"UTC"},
                .description = "The hospital's IANA time zone: HL7 times without an offset, the digest's hour."},
    SettingSpec{.key = "default_region",
                .type = SettingType::kString,
                .default_value = std::string{"US"},
                .description = "Region for phone numbers written without a country code (ISO 3166, e.g. IN)."},
    SettingSpec{.key = "sms_source",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "The twilio_sms source that sends survey SMS and SMS alerts; empty: no SMS."},
    SettingSpec{.key = "form_base_url",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "Public URL of the web form's listener (the webhooks listener); empty: "
                               "webhooks.public_base_url."},
    SettingSpec{.key = "link_key_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "File with the secret that signs form links; empty: <state_dir>/survey_link.key, "
                               "created on first start."},
    SettingSpec{.key = "console_url",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "The staff console's URL, named in physicians' red-flag alerts."},
    SettingSpec{.key = "tick_interval_ms",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{5000},
                .description = "How often the scheduler looks for due surveys and new SMS answers.",
                .min = 100,
                .max = 3'600'000},
    SettingSpec{.key = "digest_weekday",
                .type = SettingType::kString,
                .default_value = std::string{"monday"},
                .description = "Day of the weekly digest e-mail to each physician, or off.",
                .choices = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|off"},
    SettingSpec{.key = "digest_hour",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{7},
                .description = "Hour (hospital time) from which the weekly digest is sent.",
                .min = 0,
                .max = 23},
    SettingSpec{.key = "smtp_url",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "smtps://host[:port] or smtp://host[:port] (STARTTLS required) for survey e-mail, "
                               "alerts and digests; empty: no e-mail."},
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
                .description = "Sender of survey e-mail, e.g. followup@hospital.example."},
    SettingSpec{.key = "from_name",
                .type = SettingType::kString,
                .default_value = std::string{"Patient Follow-up"},
                .description = "Display name of the sender."},
    SettingSpec{.key = "hl7_enabled",
                .type = SettingType::kBool,
                .default_value = false,
                .description = "Listen for HL7 v2 ADT messages (A03, A13, A08, A11) over MLLP."},
    SettingSpec{.key = "hl7_listen_address",
                .type = SettingType::kString,
                .default_value = std::string{"127.0.0.1"},
                .description = "Address of the MLLP listener."},
    SettingSpec{.key = "hl7_listen_port",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{2575},
                .description = "Port of the MLLP listener; 0 picks a free one (written to <state_dir>/hl7.address).",
                .min = 0,
                .max = 65535},
    SettingSpec{.key = "hl7_tls_certificate_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "PEM certificate chain: MLLP over TLS when set (with hl7_tls_key_file)."},
    SettingSpec{.key = "hl7_tls_key_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "PEM private key of hl7_tls_certificate_file."},
};

const SettingsTable kTable{"surveys", kSpecs};

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t year, unsigned month, unsigned day) {
    year -= month <= 2;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto yoe = static_cast<unsigned>(year - era * 400);
    const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

crm::Timestamp ToTimestamp(const connectors::hl7::CivilTime& time, std::string_view time_zone) {
    if (time.utc_offset_minutes) {
        const auto days = DaysFromCivil(time.year, static_cast<unsigned>(time.month), static_cast<unsigned>(time.day));
        const auto seconds = days * 86400 + time.hour * 3600 + time.minute * 60 + time.second -
                             std::int64_t{*time.utc_offset_minutes} * 60;
        return crm::Timestamp{} + std::chrono::seconds(seconds);
    }
    return surveys::FromLocalTime(time.year, time.month, time.day, time.hour, time.minute, time.second, time_zone);
}

/// The weekday (0 = Sunday) and hour of `now` in `time_zone`.
std::pair<int, int> LocalWeekdayAndHour(crm::Timestamp now, std::string_view time_zone) {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(
        icu::UnicodeString::fromUTF8(icu::StringPiece(time_zone.data(), static_cast<int32_t>(time_zone.size())))));
    std::unique_ptr<icu::Calendar> calendar(icu::Calendar::createInstance(zone.release(), status));
    if (U_FAILURE(status)) {
        return {-1, -1};
    }
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    calendar->setTime(static_cast<UDate>(millis), status);
    const int weekday = calendar->get(UCAL_DAY_OF_WEEK, status) - 1;
    const int hour = calendar->get(UCAL_HOUR_OF_DAY, status);
    return U_FAILURE(status) ? std::pair{-1, -1} : std::pair{weekday, hour};
}

int WeekdayNumber(std::string_view name) {
    static constexpr std::array<std::string_view, 7> kNames = {"sunday",   "monday", "tuesday", "wednesday",
                                                               "thursday", "friday", "saturday"};
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        if (kNames[i] == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

std::string IsoDate(crm::Timestamp time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
    return text;
}

/// The link-signing secret: read from the file, or created there (0600, 32 random bytes) on first start.
std::string LoadOrCreateLinkKey(const std::string& path) {
    {
        std::ifstream in(path, std::ios::binary);
        if (in) {
            std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            if (key.size() < 32) {
                throw std::invalid_argument("surveys: " + path + " holds fewer than 32 bytes");
            }
            return key;
        }
    }
    std::random_device random;
    std::string key(32, '\0');
    for (auto& byte : key) {
        byte = static_cast<char>(random() & 0xffU);
    }
    const mode_t old_mask = ::umask(077);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << key;
    ::umask(old_mask);
    if (!out) {
        throw std::invalid_argument("surveys: cannot write the link key " + path);
    }
    log::Notice(kLogModule, "created the survey link key ", path);
    return key;
}

HttpResponse Page(unsigned status, std::string html) {
    HttpResponse response{status, "text/html; charset=utf-8", std::move(html)};
    // Nothing on the page runs or loads from elsewhere; the token in the URL never leaves in a Referer.
    response.headers = {{"Content-Security-Policy",
                         "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                         "frame-ancestors 'none'; base-uri 'none'"},
                        {"X-Content-Type-Options", "nosniff"},
                        {"Referrer-Policy", "no-referrer"},
                        {"X-Frame-Options", "DENY"}};
    return response;
}

std::string StylesheetUrl() {
    return "/survey/static/form.css";
}

void ProcessEmailOutbox(crm::Store& store, const connectors::smtp::SmtpSender& sender) {
    for (;;) {
        auto claimed = store.ClaimOutbound(std::string(kSurveyEmailSource));
        if (!claimed || !claimed.value()) {
            return;
        }
        const auto& row = *claimed.value();
        connectors::smtp::OutgoingMail mail;
        mail.to = row.recipient;
        const auto blank = row.body.find("\n\n");
        mail.subject = blank == std::string::npos ? "Message from your hospital" : row.body.substr(0, blank);
        mail.text = blank == std::string::npos ? row.body : row.body.substr(blank + 2);
        mail.auto_submitted = "auto-generated";
        auto sent = sender.Send(mail);
        if (sent) {
            (void)store.CompleteOutbound(row.id, sent.value(), "sent");
        } else {
            // Not resent: an SMTP error after DATA can still mean delivered. At most once, and visible.
            (void)store.FailOutbound(row.id, "smtp: " + sent.error().message());
            log::Warning(kLogModule, "survey e-mail ", row.id, " not sent: ", sent.error().message());
        }
    }
}

/// /survey/unsubscribe/<token>: GET explains and shows one button; POST (with its CSRF token) records the
/// opt-out in the consent registry for surveys on the address the survey went to.
HttpResponse HandleUnsubscribe(const SurveyPlanner& planner, crm::Store& store, const HttpRequest& request) {
    const std::string hospital = planner.Options().hospital_name;
    const std::string token = request.path.substr(std::string_view("/survey/unsubscribe/").size());
    const auto survey_id = planner.VerifyFormToken(token);
    if (!survey_id) {
        return Page(404, surveys::RenderGone("en", hospital, StylesheetUrl()).html);
    }
    crm::SurveyRepository surveys(store);
    auto recipient = surveys.RecipientOf(*survey_id);
    if (!recipient) {
        return Page(503, surveys::RenderGone("en", hospital, StylesheetUrl()).html);
    }
    if (!recipient.value() || recipient.value()->contact.empty()) {
        return Page(410, surveys::RenderGone("en", hospital, StylesheetUrl()).html);
    }
    const auto& to = *recipient.value();
    const std::string csrf = planner.CsrfToken("unsubscribe:" + token);
    if (request.method == "GET" || request.method == "HEAD") {
        return Page(200, surveys::RenderUnsubscribe(to.language, hospital, request.path, csrf, StylesheetUrl()).html);
    }
    const auto fields = surveys::ParseUrlEncodedForm(request.body);
    const bool genuine = request.method == "POST" && fields && fields->count("csrf") > 0 &&
                         planner.VerifyCsrfToken("unsubscribe:" + token, fields->at("csrf"));
    if (!genuine) {
        return {403, "text/plain; charset=utf-8", "this page has expired; open the link again\n"};
    }
    if (auto recorded = store.RecordConsent(to.contact, to.channel, "survey", false, "unsubscribe_link"); !recorded) {
        return Page(503, surveys::RenderGone(to.language, hospital, StylesheetUrl()).html);
    }
    return Page(200, surveys::RenderUnsubscribed(to.language, hospital, StylesheetUrl()).html);
}

}  // namespace

const SettingsTable& SurveySettingsTable() {
    return kTable;
}

bool SurveysEnabled(const Config& config) {
    return config.surveys.GetBool("enabled");
}

std::optional<crm::EncounterMessage> ToEncounterMessage(const connectors::hl7::EncounterEvent& event,
                                                        std::string_view time_zone, std::string_view default_region,
                                                        std::string& problem) {
    crm::EncounterMessage message;
    message.kind = std::string(connectors::hl7::EncounterEventKindName(event.kind));
    message.facility = event.sending_facility.empty() ? "unknown" : event.sending_facility;
    message.control_id = event.control_id;
    message.mrn = event.mrn;
    message.visit_number = event.visit_number;
    message.physician_id = event.attending_physician_id;
    message.physician_name = event.attending_physician_name;
    // Feeds write unit codes in any case (CARD); question sets name units in lower case (card).
    for (const char c : event.unit) {
        message.care_unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (event.discharge_time) {
        message.discharged_at = ToTimestamp(*event.discharge_time, time_zone);
    }
    message.disposition = event.disposition;
    message.deceased = event.patient_deceased || connectors::hl7::IsExpiredDisposition(event.disposition);
    if (!event.phone.empty()) {
        // A number libphonenumber cannot read is dropped, not guessed: no survey goes to a wrong number.
        message.phone = connectors::twilio::ToE164(event.phone, default_region).value_or("");
    }
    for (const char c : event.email) {
        message.email += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    message.language = event.language;
    if (message.control_id.empty() || message.mrn.empty() || message.visit_number.empty()) {
        problem = "the message has no control id, record number or visit number";
        return std::nullopt;
    }
    if (message.kind == "discharge" && !message.discharged_at) {
        problem = "a discharge without a discharge time";
        return std::nullopt;
    }
    return message;
}

Result<SurveyPassCounts> RunSurveyPass(const SurveyPlanner& planner, crm::Store& store, crm::Timestamp now) {
    crm::SurveyRepository surveys(store);
    SurveyPassCounts counts;
    for (;;) {
        BOOST_OUTCOME_TRY(processed, surveys.ProcessDue(now, kPassBatch, [&](const crm::DueSurvey& survey) {
            return planner.Decide(survey, now);
        }));
        counts.due_processed += processed;
        if (processed < kPassBatch) {
            break;
        }
    }
    for (;;) {
        BOOST_OUTCOME_TRY(applied, surveys.ProcessSmsReplies(now, kPassBatch, [&](const crm::SmsSurveyReply& reply) {
            return planner.ApplySms(reply);
        }));
        counts.sms_replies += applied;
        if (applied < kPassBatch) {
            break;
        }
    }
    return counts;
}

HttpResponse HandleSurveyForm(const SurveyPlanner& planner, crm::Store& store, const nlp::Analyzer* analyzer,
                              const HttpRequest& request, crm::Timestamp now) {
    const std::string hospital = planner.Options().hospital_name;
    if (request.path == StylesheetUrl()) {
        HttpResponse css{200, "text/css; charset=utf-8", std::string(surveys::FormStylesheet())};
        css.headers = {{"X-Content-Type-Options", "nosniff"}};
        return css;
    }
    if (request.path.starts_with("/survey/unsubscribe/")) {
        return HandleUnsubscribe(planner, store, request);
    }
    const std::string token = request.path.substr(std::string_view("/survey/").size());
    const auto survey_id = planner.VerifyFormToken(token);
    if (!survey_id) {
        return Page(404, surveys::RenderGone("en", hospital, StylesheetUrl()).html);
    }
    crm::SurveyRepository surveys(store);
    auto open = surveys.OpenFormSurvey(*survey_id, now);
    if (!open) {
        return Page(503, surveys::RenderGone("en", hospital, StylesheetUrl()).html);
    }
    if (!open.value()) {
        return Page(410, surveys::RenderGone("en", hospital, StylesheetUrl()).html);
    }
    const auto& survey = *open.value();
    const auto definition = planner.Definition(survey.definition);
    if (!definition) {
        return Page(410, surveys::RenderGone(survey.language, hospital, StylesheetUrl()).html);
    }
    const std::string action = "/survey/" + token;
    const std::string csrf = planner.CsrfToken(token);
    if (request.method == "GET" || request.method == "HEAD") {
        return Page(200,
                    surveys::RenderForm(*definition, survey.language, hospital, action, csrf, StylesheetUrl()).html);
    }
    if (request.method != "POST") {
        return {405, "text/plain; charset=utf-8", "GET or POST\n"};
    }
    const auto fields = surveys::ParseUrlEncodedForm(request.body);
    if (!fields) {
        return {400, "text/plain; charset=utf-8", "the form could not be read\n"};
    }
    const auto sent_csrf = fields->find("csrf");
    if (sent_csrf == fields->end() || !planner.VerifyCsrfToken(token, sent_csrf->second)) {
        return {403, "text/plain; charset=utf-8", "this form has expired; open the link again\n"};
    }
    const auto submission = surveys::ReadFormSubmission(*definition, *fields, survey.language);
    if (!submission.errors_by_question.empty()) {
        return Page(422, surveys::RenderForm(*definition, survey.language, hospital, action, csrf, StylesheetUrl(),
                                             submission.errors_by_question)
                             .html);
    }
    const auto plan = planner.PlanSubmission(survey.id, survey.visit_number, *definition, submission.answers, analyzer);
    auto outcome = surveys.SubmitAnswers(survey.id, "web", plan.answers, plan.text_items, plan.alert, now);
    if (!outcome) {
        return Page(503, surveys::RenderGone(survey.language, hospital, StylesheetUrl()).html);
    }
    if (!outcome.value().accepted) {
        return Page(410, surveys::RenderGone(survey.language, hospital, StylesheetUrl()).html);
    }
    return Page(200, surveys::RenderThanks(survey.language, hospital, StylesheetUrl()).html);
}

std::string HandleHl7Frame(const SurveyPlanner& planner, crm::Store* store, std::string_view frame, crm::Timestamp now,
                           std::string_view time_zone, std::string_view default_region) {
    namespace hl7 = connectors::hl7;
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const std::time_t now_t = static_cast<std::time_t>(seconds);
    std::tm utc{};
    ::gmtime_r(&now_t, &utc);
    const hl7::CivilTime ack_time{
        utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, 0};
    static std::atomic<std::uint64_t> ack_counter{0};
    const std::string ack_id = "CL" + std::to_string(seconds) + "." + std::to_string(ack_counter.fetch_add(1));

    auto parsed = hl7::ParseMessage(frame);
    if (const auto* error = std::get_if<hl7::ParseError>(&parsed)) {
        return hl7::MakeAck(nullptr, *error, ack_id, ack_time);
    }
    const auto& message = std::get<hl7::Message>(parsed);
    auto event = hl7::ToEncounterEvent(message);
    if (const auto* error = std::get_if<hl7::ParseError>(&event)) {
        return hl7::MakeAck(&message, *error, ack_id, ack_time);
    }
    std::string problem;
    const auto encounter = ToEncounterMessage(std::get<hl7::EncounterEvent>(event), time_zone, default_region, problem);
    if (!encounter) {
        return hl7::MakeAck(&message, hl7::AckCode::kError, problem, ack_id, ack_time);
    }
    if (store == nullptr) {
        return {};  // no ACK at all: see below
    }
    crm::SurveyRepository surveys(*store);
    const auto stored = surveys.ApplyEncounterMessage(*encounter, now, planner.DueTimeRule());
    if (!stored) {
        // Not stored, so not acknowledged at all: an AE makes many interface engines give the message up, while
        // a connection closed without an ACK makes them send it again (and a replay is harmless).
        log::Warning(kLogModule, "hl7 message not stored: ", stored.error().message());
        return {};
    }
    return hl7::MakeAck(&message, hl7::AckCode::kAccept, stored.value().replay ? "duplicate" : "", ack_id, ack_time);
}

struct SurveyService::Impl {
    const nlp::Analyzer* analyzer = nullptr;
    Metrics* metrics = nullptr;
    StoreFactory store_factory;
    Clock clock;
    std::string time_zone;
    std::string default_region;
    std::string digest_weekday;
    int digest_hour = 7;
    std::string last_digest_day;
    std::chrono::milliseconds tick_interval{5000};
    std::optional<connectors::smtp::SmtpSender> mail_sender;
    bool hl7_enabled = false;
    std::string hl7_address;
    unsigned short hl7_port = 0;
    Hl7TlsFiles hl7_tls;
    std::string state_dir;

    boost::asio::io_context io;
    boost::asio::steady_timer timer{io};
    std::unique_ptr<Hl7Listener> hl7;
    std::unique_ptr<crm::Store> store;
    std::thread thread;
    std::atomic<bool> stopping{false};
    log::RepeatLimiter failures;

    crm::Store* EnsureStore() {
        if (!store) {
            auto opened = store_factory();
            if (!opened) {
                std::uint64_t count = 0;
                if (failures.ShouldLog(count)) {
                    log::Warning(kLogModule, "database unavailable: ", opened.error().message(), " (#", count, ")");
                }
                return nullptr;
            }
            store = std::move(opened.value());
        }
        return store.get();
    }
};

SurveyService::SurveyService(const Config& config, StoreFactory store_factory, const nlp::Analyzer* analyzer,
                             Metrics* metrics, Clock clock)
    : impl_(std::make_unique<Impl>()) {
    const Settings& settings = config.surveys;
    impl_->analyzer = analyzer;
    impl_->metrics = metrics;
    impl_->store_factory = std::move(store_factory);
    impl_->clock = clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); });
    impl_->time_zone = settings.GetString("time_zone");
    if (!surveys::IsValidTimeZone(impl_->time_zone)) {
        throw std::invalid_argument("surveys.time_zone '" + impl_->time_zone + "' is not an IANA time zone");
    }
    impl_->default_region = settings.GetString("default_region");
    impl_->digest_weekday = settings.GetString("digest_weekday");
    impl_->digest_hour = static_cast<int>(settings.GetInt("digest_hour"));
    impl_->tick_interval = std::chrono::milliseconds(settings.GetInt("tick_interval_ms"));
    impl_->state_dir = config.daemon.GetString("state_dir");

    SurveyPlannerOptions options;
    options.hospital_name = settings.GetString("hospital_name");
    options.sms_source = settings.GetString("sms_source");
    options.form_base_url = settings.GetString("form_base_url").empty() ? config.webhooks.GetString("public_base_url")
                                                                        : settings.GetString("form_base_url");
    options.console_url = settings.GetString("console_url");
    const std::string key_file = settings.GetString("link_key_file").empty() ? impl_->state_dir + "/survey_link.key"
                                                                             : settings.GetString("link_key_file");
    options.link_key = LoadOrCreateLinkKey(key_file);
    if (!settings.GetString("smtp_url").empty()) {
        impl_->mail_sender.emplace(SmtpSettingsFrom(settings));
        options.email_source = std::string(kSurveyEmailSource);
    }
    impl_->hl7_enabled = settings.GetBool("hl7_enabled");
    impl_->hl7_address = settings.GetString("hl7_listen_address");
    impl_->hl7_port = static_cast<unsigned short>(settings.GetInt("hl7_listen_port"));
    impl_->hl7_tls = {settings.GetString("hl7_tls_certificate_file"), settings.GetString("hl7_tls_key_file")};
    planner_ = std::make_unique<SurveyPlanner>(std::move(options));
}

SurveyService::~SurveyService() {
    RequestStop();
    Join();
}

namespace {

void ScheduleTick(SurveyService::Impl& impl, const SurveyPlanner& planner, std::chrono::milliseconds delay);

void Tick(SurveyService::Impl& impl, const SurveyPlanner& planner) {
    crm::Store* store = impl.EnsureStore();
    if (store != nullptr) {
        const auto now = impl.clock();
        auto counts = RunSurveyPass(planner, *store, now);
        if (!counts) {
            std::uint64_t count = 0;
            if (impl.failures.ShouldLog(count)) {
                log::Warning(kLogModule, "survey pass failed: ", counts.error().message(), " (#", count, ")");
            }
        } else {
            impl.failures.Reset();
            if (impl.metrics != nullptr) {
                impl.metrics->survey_sms_replies.fetch_add(counts.value().sms_replies);
            }
            if (impl.digest_weekday != "off") {
                const auto [weekday, hour] = LocalWeekdayAndHour(now, impl.time_zone);
                const std::string today = IsoDate(now);
                if (weekday == WeekdayNumber(impl.digest_weekday) && hour >= impl.digest_hour &&
                    impl.last_digest_day != today) {
                    auto queued = QueueWeeklyDigests(*store, planner.Options().email_source, now, today);
                    if (queued) {
                        impl.last_digest_day = today;
                        log::Info(kLogModule, "weekly digests queued: ", queued.value());
                    }
                }
            }
            if (impl.metrics != nullptr) {
                crm::SurveyRepository surveys(*store);
                if (auto states = surveys.CountByState()) {
                    impl.metrics->SetSurveyStates(std::move(states).value());
                }
            }
        }
        if (impl.mail_sender) {
            ProcessEmailOutbox(*store, *impl.mail_sender);
        }
    }
    ScheduleTick(impl, planner, impl.tick_interval);
}

void ScheduleTick(SurveyService::Impl& impl, const SurveyPlanner& planner, std::chrono::milliseconds delay) {
    if (impl.stopping.load()) {
        return;
    }
    impl.timer.expires_after(delay);
    impl.timer.async_wait([&impl, &planner](const boost::system::error_code& ec) {
        if (!ec && !impl.stopping.load()) {
            Tick(impl, planner);
        }
    });
}

}  // namespace

void SurveyService::Start() {
    Impl& impl = *impl_;
    if (impl.hl7_enabled) {
        impl.hl7 = std::make_unique<Hl7Listener>(impl.io, impl.hl7_tls, [this](std::string_view frame) {
            if (impl_->metrics != nullptr) {
                impl_->metrics->hl7_messages.fetch_add(1);
            }
            return HandleHl7Frame(*planner_, impl_->EnsureStore(), frame, impl_->clock(), impl_->time_zone,
                                  impl_->default_region);
        });
        const auto endpoint = impl.hl7->Listen(impl.hl7_address, impl.hl7_port);
        const std::string address = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
        log::Notice(kLogModule, "hl7 mllp listener on ", address,
                    impl.hl7_tls.certificate_file.empty() ? "" : " (tls)");
        std::ofstream(impl.state_dir + "/hl7.address") << address << "\n";
    }
    if (impl.mail_sender) {
        if (crm::Store* store = impl.EnsureStore()) {
            // A crash between claiming and sending leaves 'sending': SMTP cannot say whether it went, so it is
            // marked failed (at most once), never sent again.
            auto stuck = store->ListOutbound(std::string(kSurveyEmailSource), "sending");
            if (stuck) {
                for (const auto& row : stuck.value()) {
                    (void)store->FailOutbound(row.id, "outcome unknown: the daemon stopped while sending");
                }
            }
        }
    }
    ScheduleTick(impl, *planner_, std::chrono::milliseconds(0));
    impl.thread = std::thread([this] { impl_->io.run(); });
}

void SurveyService::RequestStop() {
    if (!impl_ || impl_->stopping.exchange(true)) {
        return;
    }
    boost::asio::post(impl_->io, [this] {
        impl_->timer.cancel();
        if (impl_->hl7) {
            impl_->hl7->Stop();
        }
        impl_->io.stop();
    });
}

void SurveyService::Join() {
    if (impl_ && impl_->thread.joinable()) {
        impl_->thread.join();
    }
}

std::optional<boost::asio::ip::tcp::endpoint> SurveyService::Hl7Endpoint() const {
    if (!impl_->hl7) {
        return std::nullopt;
    }
    return impl_->hl7->LocalEndpoint();
}

void SurveyService::PostForm(HttpRequest request, std::function<void(HttpResponse)> reply) {
    boost::asio::post(impl_->io, [this, request = std::move(request), reply = std::move(reply)] {
        crm::Store* store = impl_->EnsureStore();
        if (store == nullptr) {
            reply({503, "text/plain; charset=utf-8", "temporarily unavailable; try again in a minute\n"});
            return;
        }
        reply(HandleSurveyForm(*planner_, *store, impl_->analyzer, request, impl_->clock()));
    });
}

}  // namespace carelisten::daemon
