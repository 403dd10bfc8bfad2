// Analyzer throughput on short messages, one core. Run by hand (see docs/benchmarks.md):
//   taskset -c 1 ./carelisten_bench --benchmark_min_time=1
// BM_AnalyzeShort: items_per_second is messages per second. BM_AnalyzeLong: bytes_per_second is the
// throughput on long e-mails and reviews.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <nlp/analyzer.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::nlp {
namespace {

struct Message {
    std::string_view question;
    std::string_view text;
};

// NHS Friends-and-Family-Test comments (The-Strategy-Unit/pxtextmining, MIT; shared/data/nhs_fft_v6_dev.jsonl)
// plus a few social-media, SMS and non-English shapes.
constexpr std::string_view kBetter = "What could we do better?";
constexpr std::string_view kGood = "What was good?";
const std::vector<Message> kMessages = {
    {kGood, "Support, Information provided & Listening."},
    {kGood, "The fact I was able to have my feet done again after such a long break."},
    {kBetter, "Nothing, was extremely pleased with the service."},
    {kGood, "Staff at listening to me."},
    {kBetter, "Cannot think of anything particular."},
    {kBetter, "There isn't anything that I can think off that could be done better."},
    {kGood, "Excellent service, great understanding staff, made sure the whole family was supported."},
    {kGood, "The standard of care was excellent"},
    {kBetter, "Feel like staff winding me up."},
    {kBetter, "Nothing, I'm leaving soon."},
    {kBetter, "Have more regular staff available."},
    {kBetter, "Not put me in a hospital with very old people. Not my thing."},
    {kBetter, "Treating patients in Crisis.  Stop belittling people and calling them names."},
    {kBetter, "Sometimes the clinicians could be a little better."},
    {kBetter, "Only the ward manager is polite."},
    {kBetter,
     "Listen to me, I'm told that I don't have the capacity even tho they not tested me.  Stop shouting at us."},
    {kGood, "Some nurses where very interactive, some not so good."},
    {kGood, "Advocacy, exercise, shop & bank, sport activities."},
    {kBetter, "It's already in the process."},
    {kBetter, "Nothing."},
    {{}, "Waited 5 hrs in A&E with my dad, nobody told us ANYTHING!!! @NHSTrust #notgoodenough"},
    {{}, "thank u so much to the team on ward 7 :) \xF0\x9F\x98\x80"},
    {{}, "My wound is red and oozing since the op, no fever though. Who do I call?"},
    {{}, "I will be speaking to my solicitor about the wrong medication my mum was given."},
    {{},
     "\xE0\xA4\xAE\xE0\xA5\x81\xE0\xA4\x9D\xE0\xA5\x87 \xE0\xA4\xAF\xE0\xA4\xB9 \xE0\xA4\x85\xE0\xA4\xB8\xE0\xA5\x8D"
     "\xE0\xA4\xAA\xE0\xA4\xA4\xE0\xA4\xBE\xE0\xA4\xB2 \xE0\xA4\xAA\xE0\xA4\xB8\xE0\xA4\x82\xE0\xA4\xA6 "
     "\xE0\xA4\xB9\xE0\xA5\x88"},
};

void BM_AnalyzeShort(benchmark::State& state) {
    auto created = Analyzer::Create();
    if (!created) {
        state.SkipWithError("Analyzer::Create failed");
        return;
    }
    const Analyzer analyzer = std::move(created).value();
    std::size_t next = 0;
    for (auto _ : state) {
        const Message& message = kMessages[next];
        next = (next + 1 == kMessages.size()) ? 0 : next + 1;
        AnalysisInput input;
        input.text = message.text;
        input.question = message.question;
        input.channel = message.question.empty() ? Channel::kSocial : Channel::kSurvey;
        benchmark::DoNotOptimize(analyzer.Analyze(input));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AnalyzeShort);

/// Long documents: e-mails and reviews of about 2 to 16 KB, built from the same real comments joined into
/// paragraphs with the greeting, quoting and sign-off of a complaint e-mail, plus one HTML e-mail (the shape
/// hospital web forms send). Built once, before timing.
std::vector<std::string> LongDocuments() {
    std::vector<std::string> documents;
    const std::size_t sizes[] = {2048, 4096, 8192, 16384};
    std::size_t next = 0;
    for (const std::size_t size : sizes) {
        std::string mail =
            "Dear Patient Relations team,\n\nI am writing about my father's stay on ward 7 last month.\n\n";
        std::string review = "Review of the hospital (3 visits this year)\n\n";
        while (mail.size() < size) {
            const Message& message = kMessages[next % kMessages.size()];
            ++next;
            mail.append(message.text).append(next % 4 == 0 ? "\n\n" : " ");
            review.append(message.text).append(next % 5 == 0 ? "\n" : " ");
            if (next % 9 == 0) {
                mail.append("\n> On 2 Nov 2026, PALS <pals@example.nhs.uk> wrote:\n> Thank you for contacting us.\n");
            }
        }
        mail.append("\n\nKind regards,\nA. Patient\nTel 07700 900123\nRef MRN 1234567\n");
        documents.push_back(std::move(mail));
        documents.push_back(std::move(review));
    }
    std::string html = "<html><body><p>Dear team,</p>";
    for (std::size_t i = 0; html.size() < 8192; ++i) {
        html.append("<p>").append(kMessages[i % kMessages.size()].text).append("</p>");
    }
    html.append("<p>Regards,<br>A. Patient</p></body></html>");
    documents.push_back(std::move(html));
    return documents;
}

void BM_AnalyzeLong(benchmark::State& state) {
    auto created = Analyzer::Create();
    if (!created) {
        state.SkipWithError("Analyzer::Create failed");
        return;
    }
    const Analyzer analyzer = std::move(created).value();
    const std::vector<std::string> documents = LongDocuments();
    std::size_t next = 0;
    std::int64_t bytes = 0;
    for (auto _ : state) {
        const std::string& document = documents[next];
        next = (next + 1 == documents.size()) ? 0 : next + 1;
        AnalysisInput input;
        input.text = document;
        input.channel = Channel::kEmail;
        benchmark::DoNotOptimize(analyzer.Analyze(input));
        bytes += static_cast<std::int64_t>(document.size());
    }
    state.SetBytesProcessed(bytes);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AnalyzeLong);

void BM_Create(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(Analyzer::Create());
    }
}
BENCHMARK(BM_Create)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace carelisten::nlp
