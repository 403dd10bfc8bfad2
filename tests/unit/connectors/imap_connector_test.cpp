// The IMAP connector against a real Dovecot (the `dovecot` CTest fixture, tests/support/dovecot.sh): messages are
// dropped into the maildir as a delivery agent would, read over imaps with the fixture's self-signed certificate.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <connectors/errc.hpp>
#include <connectors/imap/imap_connector.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace carelisten::connectors::imap {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path.string());
    }
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string Trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
    return text;
}

fs::path DovecotDir() {
    const char* dir = std::getenv("CARELISTEN_TEST_DOVECOT_DIR");
    if (dir == nullptr) {
        throw std::runtime_error("CARELISTEN_TEST_DOVECOT_DIR is not set (run through ctest: the dovecot fixture)");
    }
    return dir;
}

std::string MailFixture(const std::string& name) {
    const char* source_dir = std::getenv("CARELISTEN_SOURCE_DIR");
    if (source_dir == nullptr) {
        throw std::runtime_error("CARELISTEN_SOURCE_DIR is not set");
    }
    return ReadAll(fs::path(source_dir) / "tests/fixtures/mail" / name);
}

std::string ImapsUrl() {
    return "imaps://127.0.0.1:" + Trimmed(ReadAll(DovecotDir() / "imaps_port"));
}

/// Delivers a message the way an MDA does: into <mailbox>/new of the user's maildir, owned by the server user.
void Deliver(const std::string& mailbox, const std::string& message) {
    static std::atomic<int> counter{0};
    struct stat owner {};
    const fs::path root = DovecotDir();
    if (::stat((root / "dovecot.conf").c_str(), &owner) != 0) {
        throw std::runtime_error("no dovecot.conf in the fixture directory");
    }
    fs::path dir = root / "home";
    std::vector<fs::path> chain = {dir / "patientmail", dir / "patientmail/Maildir"};
    fs::path box = dir / "patientmail/Maildir";
    if (mailbox != "INBOX") {
        box /= "." + mailbox;
        chain.push_back(box);
    }
    for (const char* sub : {"new", "cur", "tmp"}) {
        chain.push_back(box / sub);
    }
    for (const auto& path : chain) {
        fs::create_directories(path);
        if (::chown(path.c_str(), owner.st_uid, owner.st_gid) != 0) {
            throw std::runtime_error("chown failed");
        }
    }
    const std::string name = std::to_string(::time(nullptr)) + ".M" + std::to_string(counter++) + "P" +
                             std::to_string(::getpid()) + ".carelisten-test";
    const fs::path tmp = box / "tmp" / name;
    {
        std::ofstream out(tmp, std::ios::binary);
        out << message;
    }
    if (::chown(tmp.c_str(), owner.st_uid, owner.st_gid) != 0) {
        throw std::runtime_error("chown failed");
    }
    fs::rename(tmp, box / "new" / name);
}

std::size_t Collect(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

/// One IMAP command as another client would send it (to inspect or change the mailbox behind the connector's back).
std::string Imap(const std::string& path, const std::string& command) {
    CURL* handle = curl_easy_init();
    std::string out;
    const std::string url = ImapsUrl() + path;
    const std::string password = Trimmed(ReadAll(DovecotDir() / "password"));
    const std::string ca = (DovecotDir() / "cert.pem").string();
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_USERNAME, "patientmail");
    curl_easy_setopt(handle, CURLOPT_PASSWORD, password.c_str());
    curl_easy_setopt(handle, CURLOPT_CAINFO, ca.c_str());
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, command.c_str());
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &Collect);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &out);
    const auto code = curl_easy_perform(handle);
    curl_easy_cleanup(handle);
    if (code != CURLE_OK) {
        throw std::runtime_error("IMAP " + command + ": " + curl_easy_strerror(code));
    }
    return out;
}

std::uint64_t MessageCount(const std::string& mailbox) {
    const auto response = Imap("/", "STATUS \"" + mailbox + "\" (MESSAGES)");
    const auto at = response.find("MESSAGES ");
    if (at == std::string::npos) {
        throw std::runtime_error("no MESSAGES in " + response);
    }
    return std::stoull(response.substr(at + 9));
}

Settings ImapSettings(const std::string& mailbox) {
    Settings settings = DefaultSettings(Factory().settings);
    settings.Set("url", ImapsUrl());
    settings.Set("username", std::string("patientmail"));
    settings.Set("password_file", (DovecotDir() / "password").string());
    settings.Set("ca_file", (DovecotDir() / "cert.pem").string());
    settings.Set("mailboxes", std::vector<std::string>{mailbox});
    return settings;
}

std::set<std::string> ExternalIds(const Batch& batch) {
    std::set<std::string> ids;
    for (const auto& item : batch.items) {
        ids.insert(item.external_id);
    }
    return ids;
}

const RawItem* FindItem(const Batch& batch, const std::string& external_id) {
    for (const auto& item : batch.items) {
        if (item.external_id == external_id) {
            return &item;
        }
    }
    return nullptr;
}

bool HasHeader(const RawItem& item, const std::string& name, const std::string& value) {
    return std::any_of(item.mail_headers.begin(), item.mail_headers.end(),
                       [&](const auto& header) { return header.first == name && header.second == value; });
}

TEST(ImapDovecot, ReadsEveryKindOfMessageAndQuarantinesOversizedAndNonMessages) {
    const std::vector<std::string> fixtures = {"plain.eml",     "html_only.eml", "attachments.eml", "latin1.eml",
                                               "shift_jis.eml", "reply.eml",     "auto_reply.eml",  "bounce.eml",
                                               "malformed.eml", "newsletter.eml"};
    for (const auto& name : fixtures) {
        Deliver("Kinds", MailFixture(name));
    }
    Deliver("Kinds", "From: big@example.org\r\nSubject: scans\r\nMessage-ID: <big-1@example.org>\r\n\r\n" +
                         std::string(6000, 'x') + "\r\n");
    Deliver("Kinds", "\r\n\r\nno header block at all\r\n");

    auto settings = ImapSettings("Kinds");
    settings.Set("max_message_bytes", std::int64_t{4096});
    ImapConnector connector("feedback_mail", settings);
    auto fetched = connector.Fetch(std::nullopt, 100);
    ASSERT_TRUE(fetched) << connector.LastErrorDetail();
    auto& batch = fetched.value();
    ASSERT_EQ(batch.items.size(), fixtures.size());
    ASSERT_EQ(batch.bad_records.size(), 2U);
    EXPECT_EQ(batch.bad_records[0].locator.rfind("oversized:Kinds;UIDVALIDITY=", 0), 0U);
    EXPECT_NE(batch.bad_records[0].reason.find("oversized message"), std::string::npos);
    EXPECT_NE(batch.bad_records[0].raw.find("Message-ID: <big-1@example.org>"), std::string::npos);
    EXPECT_EQ(batch.bad_records[0].raw.find("xxxx"), std::string::npos) << "only the header of an oversized message";
    EXPECT_NE(batch.bad_records[1].reason.find("no header block"), std::string::npos);

    for (const auto& item : batch.items) {
        EXPECT_FALSE(ValidateRawItem(item)) << item.external_id;
        EXPECT_EQ(item.channel, "email");
        EXPECT_EQ(item.source, "feedback_mail");
    }
    const auto* plain = FindItem(batch, "plain-1@example.org");
    ASSERT_NE(plain, nullptr);
    EXPECT_EQ(plain->text, "Thank you, ward 3\n\nThe nurses on ward 3 were wonderful \xE2\x80\x93 thank you.");
    EXPECT_EQ(plain->author, "anna@example.org");
    const auto* reply = FindItem(batch, "reply-2@example.org");
    ASSERT_NE(reply, nullptr);
    EXPECT_EQ(reply->thread_id, "plain-1@example.org");
    EXPECT_EQ(reply->reply_to, "hospital-1@hospital.example");
    EXPECT_EQ(reply->text.find("How are you feeling"), std::string::npos) << "quoted original stays out of the text";
    const auto* attachments = FindItem(batch, "attach-1@example.org");
    ASSERT_NE(attachments, nullptr);
    EXPECT_NE(attachments->text.find("[attachment: bill.pdf (application/pdf, 48 bytes)]"), std::string::npos);
    EXPECT_EQ(attachments->text.find("JVBER"), std::string::npos);
    const auto* sjis = FindItem(batch, "sjis-1@example.jp");
    ASSERT_NE(sjis, nullptr);
    EXPECT_NE(sjis->text.find("\xE7\x97\x85\xE9\x99\xA2"), std::string::npos);
    const auto* auto_reply = FindItem(batch, "ooo-1@example.org");
    ASSERT_NE(auto_reply, nullptr);
    EXPECT_TRUE(HasHeader(*auto_reply, "Auto-Submitted", "auto-replied"));
    const auto* newsletter = FindItem(batch, "news-1@example.org");
    ASSERT_NE(newsletter, nullptr);
    EXPECT_TRUE(HasHeader(*newsletter, "Precedence", "bulk"));
    const auto hashed = std::count_if(batch.items.begin(), batch.items.end(),
                                      [](const RawItem& item) { return item.external_id.rfind("sha256:", 0) == 0; });
    EXPECT_EQ(hashed, 1) << "the malformed message has no Message-ID: its identity is the hash of its bytes";

    ASSERT_TRUE(batch.next_cursor);
    const auto cursor = DecodeCursor(*batch.next_cursor);
    ASSERT_TRUE(cursor);
    EXPECT_EQ(cursor->at("Kinds").uid, 12U);
    ASSERT_TRUE(connector.Acknowledge(batch));

    auto again = connector.Fetch(batch.next_cursor, 100);
    ASSERT_TRUE(again) << connector.LastErrorDetail();
    EXPECT_TRUE(again.value().items.empty());
    EXPECT_TRUE(again.value().bad_records.empty());
    EXPECT_FALSE(again.value().next_cursor) << "nothing new: the cursor does not move";
}

TEST(ImapDovecot, PagesInBatchesOfMaxItemsInUidOrder) {
    for (int i = 0; i < 5; ++i) {
        Deliver("Paging", "From: p@example.org\r\nMessage-ID: <page-" + std::to_string(i) +
                              "@example.org>\r\nSubject: n\r\n\r\nmessage " + std::to_string(i) + "\r\n");
    }
    ImapConnector connector("paging", ImapSettings("Paging"));
    std::optional<std::string> cursor;
    std::vector<std::string> ids;
    for (int round = 0; round < 3; ++round) {
        auto fetched = connector.Fetch(cursor, 2);
        ASSERT_TRUE(fetched) << connector.LastErrorDetail();
        for (const auto& item : fetched.value().items) {
            ids.push_back(item.external_id);
        }
        EXPECT_EQ(fetched.value().has_more, round < 2);
        cursor = fetched.value().next_cursor;
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"page-0@example.org", "page-1@example.org", "page-2@example.org",
                                             "page-3@example.org", "page-4@example.org"}));
}

TEST(ImapDovecot, AcknowledgeSetsSeenAfterTheCommit) {
    Deliver("SeenBox", MailFixture("plain.eml"));
    ImapConnector connector("seen", ImapSettings("SeenBox"));
    auto fetched = connector.Fetch(std::nullopt, 10);
    ASSERT_TRUE(fetched) << connector.LastErrorDetail();
    ASSERT_EQ(fetched.value().items.size(), 1U);
    // The download marked it \Seen implicitly (BODY[]); a staff client marks it unread again before our commit.
    Imap("/SeenBox", "UID STORE 1 -FLAGS.SILENT (\\Seen)");
    ASSERT_EQ(ParseSearch(Imap("/SeenBox", "UID SEARCH UNSEEN")), (std::vector<std::uint64_t>{1}));
    ASSERT_TRUE(connector.Acknowledge(fetched.value()));
    EXPECT_TRUE(ParseSearch(Imap("/SeenBox", "UID SEARCH UNSEEN")).empty());
    EXPECT_TRUE(connector.Acknowledge(fetched.value())) << "acknowledging twice is harmless";
}

TEST(ImapDovecot, AcknowledgeMovesToTheConfiguredFolderAndCreatesIt) {
    Deliver("MoveBox", MailFixture("plain.eml"));
    Deliver("MoveBox", MailFixture("latin1.eml"));
    auto settings = ImapSettings("MoveBox");
    settings.Set("after_commit", std::string("move"));
    settings.Set("move_to", std::string("MovedDone"));
    ImapConnector connector("mover", settings);
    auto fetched = connector.Fetch(std::nullopt, 10);
    ASSERT_TRUE(fetched) << connector.LastErrorDetail();
    ASSERT_EQ(fetched.value().items.size(), 2U);
    EXPECT_EQ(MessageCount("MoveBox"), 2U) << "nothing moves before the commit";
    ASSERT_TRUE(connector.Acknowledge(fetched.value())) << connector.LastErrorDetail();
    EXPECT_EQ(MessageCount("MoveBox"), 0U);
    EXPECT_EQ(MessageCount("MovedDone"), 2U);
    EXPECT_TRUE(connector.Acknowledge(fetched.value())) << "a second acknowledgement after a crash is harmless";
    EXPECT_EQ(MessageCount("MovedDone"), 2U);
}

TEST(ImapDovecot, MessagesCommittedButNotMovedBeforeACrashAreMovedByTheNextPoll) {
    Deliver("MoveCrash", MailFixture("plain.eml"));
    Deliver("MoveCrash", MailFixture("latin1.eml"));
    auto settings = ImapSettings("MoveCrash");
    settings.Set("after_commit", std::string("move"));
    settings.Set("move_to", std::string("MoveCrashDone"));
    std::optional<std::string> committed;
    {
        ImapConnector connector("move_crash", settings);
        auto fetched = connector.Fetch(std::nullopt, 10);
        ASSERT_TRUE(fetched) << connector.LastErrorDetail();
        ASSERT_EQ(fetched.value().items.size(), 2U);
        committed = fetched.value().next_cursor;  // committed; killed before the move
    }
    Deliver("MoveCrash", MailFixture("html_only.eml"));
    ImapConnector restarted("move_crash", settings);
    auto next = restarted.Fetch(committed, 10);
    ASSERT_TRUE(next) << restarted.LastErrorDetail();
    EXPECT_EQ(ExternalIds(next.value()), (std::set<std::string>{"html-1@example.org"})) << "nothing read twice";
    ASSERT_TRUE(restarted.Acknowledge(next.value())) << restarted.LastErrorDetail();
    EXPECT_EQ(MessageCount("MoveCrash"), 0U);
    EXPECT_EQ(MessageCount("MoveCrashDone"), 3U);
}

TEST(ImapDovecot, CrashBeforeTheCommitReadsTheSameMessagesWithTheSameIdsAgain) {
    Deliver("CrashBox", MailFixture("plain.eml"));
    Deliver("CrashBox", MailFixture("reply.eml"));
    const std::optional<std::string> committed;  // the cursor in the database: nothing committed yet
    std::set<std::string> first;
    {
        ImapConnector connector("crash", ImapSettings("CrashBox"));
        auto fetched = connector.Fetch(committed, 10);
        ASSERT_TRUE(fetched) << connector.LastErrorDetail();
        first = ExternalIds(fetched.value());
        // killed here: no commit, no acknowledgement (and the download already set \Seen)
    }
    ImapConnector restarted("crash", ImapSettings("CrashBox"));
    auto again = restarted.Fetch(committed, 10);
    ASSERT_TRUE(again) << restarted.LastErrorDetail();
    EXPECT_EQ(ExternalIds(again.value()), first) << "same identities: the store's (source, external_id) dedupes";
    EXPECT_EQ(first.size(), 2U);
}

TEST(ImapDovecot, UidValidityChangeRereadsTheMailboxWithTheSameMessageIds) {
    Deliver("Renumbered", MailFixture("plain.eml"));
    Deliver("Renumbered", MailFixture("html_only.eml"));
    ImapConnector connector("renumbered", ImapSettings("Renumbered"));
    auto fetched = connector.Fetch(std::nullopt, 10);
    ASSERT_TRUE(fetched) << connector.LastErrorDetail();
    const auto before = DecodeCursor(*fetched.value().next_cursor);
    ASSERT_TRUE(before);
    // The server renumbers the mailbox (restored from a backup): a new UIDVALIDITY, UIDs from 1 again.
    Imap("/", "DELETE \"Renumbered\"");
    Deliver("Renumbered", MailFixture("plain.eml"));
    Deliver("Renumbered", MailFixture("html_only.eml"));
    Deliver("Renumbered", MailFixture("latin1.eml"));
    auto after = connector.Fetch(fetched.value().next_cursor, 10);
    ASSERT_TRUE(after) << connector.LastErrorDetail();
    EXPECT_EQ(ExternalIds(after.value()),
              (std::set<std::string>{"plain-1@example.org", "html-1@example.org", "latin1-1@example.de"}));
    const auto cursor = DecodeCursor(*after.value().next_cursor);
    ASSERT_TRUE(cursor);
    EXPECT_NE(cursor->at("Renumbered").uidvalidity, before->at("Renumbered").uidvalidity);
    EXPECT_EQ(cursor->at("Renumbered").uid, 3U);
}

TEST(ImapDovecot, SweepFindsUnseenMessagesBelowTheCursor) {
    Deliver("SweepBox", MailFixture("plain.eml"));
    Deliver("SweepBox", MailFixture("latin1.eml"));
    const auto status = ParseStatus(Imap("/", "STATUS \"SweepBox\" (UIDVALIDITY UIDNEXT)"));
    ASSERT_TRUE(status);
    // A cursor past both messages that were never downloaded (still unseen): only the sweep can find them.
    Cursor cursor;
    cursor["SweepBox"] = MailboxState{status->first, 2, 0};
    auto settings = ImapSettings("SweepBox");
    settings.Set("sweep_interval_minutes", std::int64_t{1});
    ImapConnector connector("sweeper", settings);
    auto fetched = connector.Fetch(EncodeCursor(cursor), 10);
    ASSERT_TRUE(fetched) << connector.LastErrorDetail();
    EXPECT_EQ(ExternalIds(fetched.value()), (std::set<std::string>{"plain-1@example.org", "latin1-1@example.de"}));
    const auto next = DecodeCursor(*fetched.value().next_cursor);
    ASSERT_TRUE(next);
    EXPECT_GT(next->at("SweepBox").last_sweep, 0);
    auto soon = connector.Fetch(fetched.value().next_cursor, 10);
    ASSERT_TRUE(soon);
    EXPECT_TRUE(soon.value().items.empty()) << "the next sweep waits for sweep_interval_minutes";
}

TEST(ImapDovecot, WrongPasswordIsAuthBroken) {
    const fs::path wrong = fs::temp_directory_path() / ("carelisten-imap-wrong-" + std::to_string(::getpid()));
    {
        std::ofstream out(wrong);
        out << "not-the-password\n";
    }
    auto settings = ImapSettings("INBOX");
    settings.Set("password_file", wrong.string());
    ImapConnector connector("wrong", settings);
    auto fetched = connector.Fetch(std::nullopt, 10);
    fs::remove(wrong);
    ASSERT_FALSE(fetched);
    EXPECT_EQ(fetched.error(), ConnectorErrc::kAuthBroken);
    EXPECT_EQ(connector.LastErrorDetail().find("not-the-password"), std::string::npos);
}

TEST(ImapDovecot, UntrustedCertificateIsRefused) {
    auto settings = ImapSettings("INBOX");
    settings.Set("ca_file", std::string());  // the system store does not know the fixture's self-signed certificate
    ImapConnector connector("untrusted", settings);
    auto fetched = connector.Fetch(std::nullopt, 10);
    ASSERT_FALSE(fetched);
    EXPECT_EQ(fetched.error(), ConnectorErrc::kPermanent);
}

TEST(ImapSettingsCheck, PlaintextOnlyToLoopbackAndOnlyWhenAllowed) {
    Settings settings = DefaultSettings(Factory().settings);
    settings.Set("username", std::string("u"));
    settings.Set("password_file", std::string("/nonexistent"));
    settings.Set("url", std::string("imap://127.0.0.1:143"));
    EXPECT_THROW(ImapConnector("a", settings), std::invalid_argument);
    settings.Set("allow_plaintext_loopback", true);
    EXPECT_NO_THROW(ImapConnector("a", settings));
    settings.Set("url", std::string("imap://mail.example.org"));
    EXPECT_THROW(ImapConnector("a", settings), std::invalid_argument);
    settings.Set("url", std::string("imaps://mail.example.org/INBOX"));
    EXPECT_THROW(ImapConnector("a", settings), std::invalid_argument);
    settings.Set("url", std::string("imaps://mail.example.org"));
    settings.Set("password_credential", std::string("imap-password"));
    EXPECT_THROW(ImapConnector("a", settings), std::invalid_argument) << "file and credential both set";
}

TEST(ImapResponses, ParsesSearchStatusAndSizes) {
    EXPECT_EQ(ParseSearch("* SEARCH 3 5 9\r\n"), (std::vector<std::uint64_t>{3, 5, 9}));
    EXPECT_TRUE(ParseSearch("* SEARCH\r\n").empty());
    EXPECT_EQ(ParseSearch("* SEARCH 4 (MODSEQ 12)\r\n"), (std::vector<std::uint64_t>{4}));
    const auto status = ParseStatus("* STATUS \"My Box\" (UIDNEXT 7 UIDVALIDITY 1795641103)\r\n");
    ASSERT_TRUE(status);
    EXPECT_EQ(status->first, 1795641103U);
    EXPECT_EQ(status->second, 7U);
    EXPECT_FALSE(ParseStatus("* STATUS INBOX (MESSAGES 2)\r\n"));
    const auto sizes = ParseSizes("* 1 FETCH (UID 5 RFC822.SIZE 61)\r\n* 2 FETCH (RFC822.SIZE 70 UID 9)\r\n");
    EXPECT_EQ(sizes, (std::map<std::uint64_t, std::uint64_t>{{5, 61}, {9, 70}}));
}

TEST(ImapResponses, CursorRoundTripsAndJunkIsRefused) {
    Cursor cursor;
    cursor["INBOX"] = MailboxState{17, 42, 1790000000};
    cursor["Feedback/Ward 3"] = MailboxState{1, 2, 0};
    const auto decoded = DecodeCursor(EncodeCursor(cursor));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->at("INBOX").uid, 42U);
    EXPECT_EQ(decoded->at("INBOX").uidvalidity, 17U);
    EXPECT_EQ(decoded->at("INBOX").last_sweep, 1790000000);
    EXPECT_EQ(decoded->at("Feedback/Ward 3").uid, 2U);
    EXPECT_FALSE(DecodeCursor("{\"mailboxes\":{\"INBOX\":{\"uid\":-1}}}"));
    EXPECT_FALSE(DecodeCursor("[[[["));
}

}  // namespace
}  // namespace carelisten::connectors::imap
