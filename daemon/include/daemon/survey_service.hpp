/// @file
/// @brief The follow-up survey service of carelistend: the scheduler (invitations, reminders, expiry, SMS
/// conversations, weekly digests), the HL7 v2 MLLP listener for encounters, the web questionnaire, and the
/// e-mail outbox, all on one thread with its own database connection.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <common/result.hpp>
#include <common/settings.hpp>
#include <connectors/hl7/encounter_event.hpp>
#include <crm/store.hpp>
#include <crm/survey_repository.hpp>
#include <daemon/http_server.hpp>
#include <daemon/survey_planner.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace carelisten::nlp {
class Analyzer;
}

namespace carelisten::daemon {

struct Config;
class Metrics;

/// The `[surveys]` table.
const SettingsTable& SurveySettingsTable();

/// An encounter event (HL7 or import) as the crm stores it: times to UTC (an offset in the message, else the
/// hospital's `time_zone`), the phone to E.164 (`default_region`), an expired disposition as deceased. nullopt
/// with `problem` set when a required value cannot be used.
std::optional<crm::EncounterMessage> ToEncounterMessage(const connectors::hl7::EncounterEvent& event,
                                                        std::string_view time_zone, std::string_view default_region,
                                                        std::string& problem);

/// What one scheduler pass did.
struct SurveyPassCounts {
    std::size_t due_processed = 0;  ///< scheduled/invited surveys decided (invited, reminded, expired, skipped ...)
    std::size_t sms_replies = 0;    ///< inbound SMS applied to conversations
};

/// One full pass at `now`: every due survey and every new SMS reply. Used by
/// the service's timer and by tests on a fake clock.
Result<SurveyPassCounts> RunSurveyPass(const SurveyPlanner& planner, crm::Store& store, crm::Timestamp now);

/// The web questionnaire (GET shows it, POST records it once) for /survey/<token>, and its stylesheet.
HttpResponse HandleSurveyForm(const SurveyPlanner& planner, crm::Store& store, const nlp::Analyzer* analyzer,
                              const HttpRequest& request, crm::Timestamp now);

/// The ACK for one MLLP frame: parsed, stored (once per sending facility and control id) and only then AA;
/// AE/AR with the reason for a malformed message; "" (no ACK: close the connection, so the sender sends it
/// again) when the database cannot store it now, also when `store` is null (no connection).
std::string HandleHl7Frame(const SurveyPlanner& planner, crm::Store* store, std::string_view frame, crm::Timestamp now,
                           std::string_view time_zone, std::string_view default_region);

/// Lifecycle: Start() opens the HL7 listener (when enabled) and runs the thread; RequestStop() + Join() end it
/// between two jobs. Thread-safety: PostForm from any thread; the rest from the owning thread.
class SurveyService {
public:
    using StoreFactory = std::function<Result<std::unique_ptr<crm::Store>>()>;
    using Clock = std::function<crm::Timestamp()>;

    /// Throws std::invalid_argument for an unusable configuration (a bad time zone, SMTP settings ...).
    SurveyService(const Config& config, StoreFactory store_factory, const nlp::Analyzer* analyzer, Metrics* metrics,
                  Clock clock = {});
    ~SurveyService();
    SurveyService(const SurveyService&) = delete;
    SurveyService& operator=(const SurveyService&) = delete;

    void Start();
    void RequestStop();
    void Join();

    /// The bound HL7 address, when the listener is on (after Start).
    std::optional<boost::asio::ip::tcp::endpoint> Hl7Endpoint() const;
    /// Answers a /survey/ request on the service thread; `reply` is called from there.
    void PostForm(HttpRequest request, std::function<void(HttpResponse)> reply);
    const SurveyPlanner& Planner() const { return *planner_; }

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
    std::unique_ptr<SurveyPlanner> planner_;
};

/// Whether `[surveys]` is enabled in `config`.
bool SurveysEnabled(const Config& config);

}  // namespace carelisten::daemon
