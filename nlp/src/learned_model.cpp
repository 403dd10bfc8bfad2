#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <iterator>
#include <nlp/errc.hpp>
#include <nlp/learned_model.hpp>
#include <nlp/models.hpp>
#include <nlp/sentiment.hpp>

namespace carelisten::nlp {
namespace {

constexpr std::string_view kMagic = "CLLM";
constexpr std::uint32_t kFormatVersion = 1;       // kWords models
constexpr std::uint32_t kFormatVersionSets = 2;   // models that name their feature set
constexpr std::uint32_t kFormatVersionEmail = 3;  // v2 and e-mail thresholds after the thresholds
constexpr std::uint32_t kMaxBits = 24;
constexpr std::uint32_t kMaxLabels = 64;
constexpr double kAdagradEpsilon = 1e-8;
constexpr double kDefaultThreshold = 0.5;
constexpr std::size_t kMinThresholdSupport = 5;
// Thresholds 0.25 … 0.90 in steps of 0.05: lower ones overfit the validation split and fire on
// out-of-domain text.
constexpr int kFirstThresholdStep = 5;
constexpr int kLastThresholdStep = 18;

std::string_view QuestionTag(QuestionKind question) {
    switch (question) {
        case QuestionKind::kNone:
            return "none";
        case QuestionKind::kWhatWasGood:
            return "good";
        case QuestionKind::kWhatToImprove:
            return "improve";
        case QuestionKind::kOther:
            return "other";
    }
    return "none";
}

std::string_view TokenText(const Token& token) {
    switch (token.kind) {
        case TokenKind::kNumber:
        case TokenKind::kPhone:  // a phone number was number tokens before it had its own kind
            return "<num>";
        case TokenKind::kUrl:
            return "<url>";
        case TokenKind::kEmail:
            return "<email>";
        case TokenKind::kMention:
            return "<mention>";
        case TokenKind::kWord:
        case TokenKind::kHashtag:
        case TokenKind::kSymbol:
        case TokenKind::kEmoji:
            break;
    }
    return token.text;
}

/// FNV-1a 64 over the concatenation of the parts added: equal to Fnv1a64() of the joined string.
class FeatureHash {
public:
    FeatureHash& Add(std::string_view bytes) {
        for (const char c : bytes) {
            hash_ ^= static_cast<unsigned char>(c);
            hash_ *= 1099511628211ULL;
        }
        return *this;
    }
    std::uint64_t Value() const { return hash_; }

private:
    std::uint64_t hash_ = 14695981039346656037ULL;
};

/// Sorts bucket numbers (< 2^bits, bits ≤ kMaxBits): the same order as std::sort, but a long text's few
/// thousand features are sorted by an LSD radix sort, up to 11 bits a pass, without std::sort's mispredicted
/// comparisons (which cost more than extracting the features).
void SortBuckets(std::vector<std::uint32_t>& values, std::uint32_t bits) {
    constexpr std::size_t kRadixThreshold = 256;
    if (values.size() < kRadixThreshold) {
        std::sort(values.begin(), values.end());
        return;
    }
    // As few passes as digits of at most 11 bits allow (18-bit buckets: two passes of 9 bits, not three of 8).
    constexpr std::uint32_t kMaxDigitBits = 11;
    const std::uint32_t passes = (bits + kMaxDigitBits - 1) / kMaxDigitBits;
    const std::uint32_t digit_bits = (bits + passes - 1) / passes;
    const std::uint32_t mask = (std::uint32_t{1} << digit_bits) - 1;
    std::vector<std::uint32_t> scratch(values.size());
    std::array<std::size_t, (std::size_t{1} << kMaxDigitBits) + 1> offsets{};
    for (std::uint32_t shift = 0; shift < bits; shift += digit_bits) {
        std::fill(offsets.begin(), offsets.begin() + mask + 2, std::size_t{0});
        for (const std::uint32_t value : values) {
            ++offsets[((value >> shift) & mask) + 1];
        }
        for (std::size_t digit = 1; digit <= mask + 1; ++digit) {
            offsets[digit] += offsets[digit - 1];
        }
        for (const std::uint32_t value : values) {
            scratch[offsets[(value >> shift) & mask]++] = value;
        }
        values.swap(scratch);
    }
}

std::uint32_t Bucket(std::uint64_t hash, std::uint32_t bits) {
    return static_cast<std::uint32_t>((hash ^ (hash >> 32)) & ((std::uint64_t{1} << bits) - 1));
}

// splitmix64: a tiny PRNG whose sequence is fixed by its seed on every platform.
class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t Next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

private:
    std::uint64_t state_;
};

void PutU32(std::string& out, std::uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) {
        out.push_back(static_cast<char>((value >> shift) & 0xffU));
    }
}

void PutU64(std::string& out, std::uint64_t value) {
    for (int shift = 0; shift < 64; shift += 8) {
        out.push_back(static_cast<char>((value >> shift) & 0xffU));
    }
}

void PutF32(std::string& out, float value) {
    std::uint32_t raw = 0;
    std::memcpy(&raw, &value, sizeof raw);
    PutU32(out, raw);
}

void PutF64(std::string& out, double value) {
    std::uint64_t raw = 0;
    std::memcpy(&raw, &value, sizeof raw);
    PutU64(out, raw);
}

class Reader {
public:
    explicit Reader(std::string_view bytes) : bytes_(bytes) {}
    bool U8(std::uint8_t& value) {
        if (bytes_.empty()) {
            return false;
        }
        value = static_cast<std::uint8_t>(bytes_.front());
        bytes_.remove_prefix(1);
        return true;
    }
    bool U32(std::uint32_t& value) {
        std::uint64_t wide = 0;
        if (!Unsigned(4, wide)) {
            return false;
        }
        value = static_cast<std::uint32_t>(wide);
        return true;
    }
    bool F32(float& value) {
        std::uint32_t raw = 0;
        if (!U32(raw)) {
            return false;
        }
        std::memcpy(&value, &raw, sizeof value);
        return std::isfinite(value);
    }
    bool F64(double& value) {
        std::uint64_t raw = 0;
        if (!Unsigned(8, raw)) {
            return false;
        }
        std::memcpy(&value, &raw, sizeof value);
        return std::isfinite(value);
    }
    bool Bytes(std::size_t count, std::string_view& out) {
        if (bytes_.size() < count) {
            return false;
        }
        out = bytes_.substr(0, count);
        bytes_.remove_prefix(count);
        return true;
    }
    bool AtEnd() const { return bytes_.empty(); }

private:
    bool Unsigned(int size, std::uint64_t& value) {
        if (bytes_.size() < static_cast<std::size_t>(size)) {
            return false;
        }
        value = 0;
        for (int i = 0; i < size; ++i) {
            value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes_[static_cast<std::size_t>(i)]))
                     << (8 * i);
        }
        bytes_.remove_prefix(static_cast<std::size_t>(size));
        return true;
    }

    std::string_view bytes_;
};

double Sigmoid(double z) {
    return 1.0 / (1.0 + std::exp(-z));
}

}  // namespace

namespace {

QuestionKind ClassifyQuestionUncached(std::string_view question) {
    const NormalizedText normalized = Normalize(question);
    if (normalized.tokens.empty()) {
        return QuestionKind::kNone;
    }
    if (AsksWhatToImprove(normalized)) {
        return QuestionKind::kWhatToImprove;
    }
    for (const Token& token : normalized.tokens) {
        if (token.text == "good" || token.text == "well" || token.text == "like" || token.text == "best") {
            return QuestionKind::kWhatWasGood;
        }
    }
    return QuestionKind::kOther;
}

}  // namespace

QuestionKind ClassifyQuestion(std::string_view question) {
    if (question.empty()) {
        return QuestionKind::kNone;
    }
    // A survey asks the same few questions thousands of times: remember the last few answers per thread
    // (a pure function memoized, so the result is the same with or without the cache).
    struct Entry {
        std::string question;
        QuestionKind kind = QuestionKind::kNone;
    };
    constexpr std::size_t kCacheEntries = 8;
    constexpr std::size_t kMaxCachedLength = 512;
    thread_local std::array<Entry, kCacheEntries> cache;
    thread_local std::size_t next = 0;
    for (const Entry& entry : cache) {
        if (!entry.question.empty() && entry.question == question) {
            return entry.kind;
        }
    }
    const QuestionKind kind = ClassifyQuestionUncached(question);
    if (question.size() <= kMaxCachedLength) {
        cache[next] = Entry{std::string(question), kind};
        next = (next + 1) % kCacheEntries;
    }
    return kind;
}

namespace {

// Appends the character n-grams of a word (bounded by '<' and '>', so "wait" gives "<wa", "wai", "ait",
// "it>"): n-grams of the whole word, byte-wise (a multi-byte letter's bytes stay in order, so n-grams of
// UTF-8 text are still stable, if less meaningful).
void AddCharNgrams(std::string_view word, std::uint32_t bits, std::vector<std::uint32_t>& out) {
    if (word.size() < kCharNgramLength - 1 || word.size() > kMaxCharNgramWord) {
        return;
    }
    char padded[kMaxCharNgramWord + 2];
    padded[0] = '<';
    std::memcpy(padded + 1, word.data(), word.size());
    padded[word.size() + 1] = '>';
    const std::size_t length = word.size() + 2;
    for (std::size_t i = 0; i + kCharNgramLength <= length; ++i) {
        out.push_back(
            Bucket(FeatureHash().Add("c=").Add(std::string_view(padded + i, kCharNgramLength)).Value(), bits));
    }
}

// The shape of a word that holds a digit: runs of letters, digits and other bytes collapsed to a, 9, x
// ("150ppm" → "9a", "4txt" → "9a", "box42wr29c" → "a9a9a"), at most 6 runs.
void AddShape(std::string_view word, std::uint32_t bits, std::vector<std::uint32_t>& out) {
    // Most words hold no digit: a plain scan first (the shape loop below is several times slower a byte).
    if (std::none_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return;
    }
    char shape[6];
    std::size_t length = 0;
    bool digit = false;
    for (const char c : word) {
        const char cls = (c >= '0' && c <= '9') ? '9' : ((c >= 'a' && c <= 'z') || (c & 0x80) != 0) ? 'a' : 'x';
        digit = digit || cls == '9';
        if (length == 0 || shape[length - 1] != cls) {
            if (length == sizeof shape) {
                break;
            }
            shape[length++] = cls;
        }
    }
    if (digit) {
        out.push_back(Bucket(FeatureHash().Add("s=w").Add(std::string_view(shape, length)).Value(), bits));
    }
}

// Typed-token and whole-text features for spam: the digit count of numbers and phone numbers (with the
// first digit of long ones: "0871…", "09…" premium-rate numbers, five-digit short codes), the shapes of
// words with digits, currency signs anywhere in the text, many capitals, and the length (a count of '!'
// was worse on validation: SMS ham shouts too).
void AddShapeFeatures(const NormalizedText& text, std::uint32_t bits, std::vector<std::uint32_t>& out) {
    std::size_t caps = 0;
    for (const Token& token : text.tokens) {
        caps += token.all_caps && token.text.size() > 1 ? 1 : 0;
        if (token.kind == TokenKind::kNumber || token.kind == TokenKind::kPhone) {
            std::size_t digits = 0;
            char first = 0;
            for (const char c : token.text) {
                if (c >= '0' && c <= '9') {
                    first = digits == 0 ? c : first;
                    ++digits;
                }
            }
            const char length[2] = {static_cast<char>('a' + std::min<std::size_t>(digits, 16)), first};
            out.push_back(Bucket(FeatureHash().Add("s=n").Add(std::string_view(length, 1)).Value(), bits));
            if (digits >= 5) {
                out.push_back(Bucket(FeatureHash().Add("s=n").Add(std::string_view(length, 2)).Value(), bits));
            }
        } else if (token.kind == TokenKind::kWord) {
            AddShape(token.text, bits, out);
        }
    }
    constexpr std::string_view kCurrencies[] = {"\xc2\xa3", "$", "\xe2\x82\xac"};  // £ $ €
    for (const std::string_view currency : kCurrencies) {
        if (text.text.find(currency) != std::string::npos) {
            out.push_back(Bucket(FeatureHash().Add("s=$").Add(currency).Value(), bits));
        }
    }
    const char counts[2] = {static_cast<char>('0' + std::min<std::size_t>(caps, 3)),
                            static_cast<char>('0' + std::min<std::size_t>(std::bit_width(text.tokens.size()), 9))};
    out.push_back(Bucket(FeatureHash().Add("s=C").Add(std::string_view(counts, 1)).Value(), bits));
    out.push_back(Bucket(FeatureHash().Add("s=L").Add(std::string_view(counts + 1, 1)).Value(), bits));
}

// Concept features for the category model: word stems that the HCAT categories' definitions (Reader,
// Gillespie & Roberts 2014, and the NHS framework themes they map from) name, so a category seen in few
// training comments still fires on its own vocabulary. A word matches a stem when it starts with it.
struct Concept {
    std::string_view name;
    std::string_view stems;  // space-separated
};
constexpr Concept kConcepts[] = {
    {"quality",
     "treat medic diagnos pain therap exercis surger operat procedur prescri tablet inject recover skill "
     "compet knowledg train assess scan test result physio nursing clinical symptom condition"},
    {"safety",
     "safe unsafe secur danger harm abus bull threat protect risk fall fell injur neglect scared frighten "
     "afraid vulnerab safeguard violen aggress"},
    {"environment",
     "clean dirty filth room ward food meal drink tea coffee parking toilet bathroom shower bed noise "
     "noisy quiet temperat tv television wifi garden outside fresh activit facilit equipment chair "
     "decor smell building environment location comfort lunch dinner breakfast"},
    {"process",
     "wait appoint delay late quick prompt letter phone call contact book cancel refer discharg admi "
     "transport shortag understaff busy organi record fund continu queue slot hour week month time"},
    {"listening", "listen understand understood involv heard hear consider opinion choice decision concern wish"},
    {"communication",
     "inform explain told tell communic updat kept clear clarit confus leaflet advice advis family "
     "relative carer husband wife daughter answer question"},
    {"respect",
     "kind friend polite rude caring compassion respect dignit lovely nice helpful attitud manner warm "
     "welcom empath courteous cheerful smil pleasant gentle patien"},
};

// Finer concepts, one per NHS framework theme that the HCAT table maps (data README), from the themes'
// names and their plain vocabulary (kThemesFlag): "t=<theme>" when a word starts with one of its stems.
constexpr Concept kThemes[] = {
    {"competence", "competen incompeten skill knowledg experienc professional qualifi expert train"},
    {"diagnosis", "diagnos misdiagnos triage assess scan xray x-ray test result blood investigat"},
    {"treatment", "treatment recover improv progress benefit outcom heal worse effective"},
    {"pain", "pain ache sore hurt agony analges"},
    {"care_plan", "plan goal exercis therap physio session programme"},
    {"medication", "medic tablet prescri pharmac dose drug inject pill"},
    {"responsive", "respond respons attentiv buzzer bell ignor checked"},
    {"feeling_safe", "safe unsafe secur scared frighten afraid threat danger vulnerab"},
    {"safeguarding", "safeguard abus neglect harm bull violen aggress assault"},
    {"facilities", "facilit room ward building decor chair seat waiting-room environment space"},
    {"food", "food meal drink tea coffee lunch dinner breakfast snack water menu"},
    {"clean", "clean dirty filth tidy hygien infect smell"},
    {"parking", "parking carpark"},
    {"location", "location locat far travel distance close"},
    {"sensory", "noise noisy quiet loud light temperat cold hot warm"},
    {"entertainment", "tv television wifi radio internet"},
    {"activities", "activit garden outside fresh walk group"},
    {"equipment", "equipment wheelchair hoist bed machine"},
    {"timeliness", "wait delay late quick prompt slow hour minute long soon"},
    {"appointment", "appoint book cancel resched slot clinic"},
    {"appointment_method", "video telephon zoom online face virtual"},
    {"contacting", "phone call contact reach line engaged voicemail answer email"},
    {"transport", "transport ambulance taxi bus drive lift"},
    {"admission", "admi"},
    {"discharge", "discharg"},
    {"referral", "refer gp continu follow"},
    {"organisation", "organi efficien system process manag chaos"},
    {"staffing", "shortag understaff busy overwork rush short-staff"},
    {"staff_continuity", "same different consisten"},
    {"funding", "fund money cost cuts resourc budget"},
    {"records", "record notes letter paperwork file"},
    {"listening", "listen heard understand understood involv opinion decision wish choice"},
    {"information", "inform explain told tell communic updat kept clear clarit confus leaflet advice advis"},
    {"family", "family relative carer husband wife daughter son mum dad parent partner"},
    {"manner",
     "kind friend polite rude caring compassion respect dignit lovely nice attitud manner welcom empath "
     "courteous cheerful smil pleasant gentle"},
    {"equality", "equal divers inclusi discriminat racis disabilit religio cultur interpret"},
    {"mental_health_act", "section detain"},
    {"appearance", "groom shave hair wash cloth appearan"},
};

// Stem → the concepts naming it (bit i: kConcepts[i]), built once, read-only: the stems grouped by their first
// two bytes, so a word is compared only with the few stems that begin as it does (most words match no stem's
// start and cost one table read). A word matches every stem it starts with.
class ConceptIndex {
public:
    template <std::size_t N>
    explicit ConceptIndex(const Concept (&concepts)[N]) {
        static_assert(N <= 64);
        for (std::size_t i = 0; i < N; ++i) {
            std::string_view stems = concepts[i].stems;
            while (!stems.empty()) {
                const std::size_t space = stems.find(' ');
                const std::string_view stem = stems.substr(0, space);
                stems.remove_prefix(space == std::string_view::npos ? stems.size() : space + 1);
                const auto same = std::find_if(entries_.begin(), entries_.end(),
                                               [&](const Entry& entry) { return entry.stem == stem; });
                if (same != entries_.end()) {
                    same->mask |= std::uint64_t{1} << i;
                } else {
                    entries_.push_back({stem, std::uint64_t{1} << i});
                }
            }
        }
        std::sort(entries_.begin(), entries_.end(),
                  [](const Entry& a, const Entry& b) { return Pair(a.stem) < Pair(b.stem); });
        // first_[p] .. first_[p + 1]: the entries whose stem begins with the byte pair p.
        std::size_t next = 0;
        for (std::size_t pair = 0; pair < kPairs; ++pair) {
            first_[pair] = static_cast<std::uint16_t>(next);
            while (next < entries_.size() && Pair(entries_[next].stem) == pair) {
                ++next;
            }
        }
        first_[kPairs] = static_cast<std::uint16_t>(next);
    }

    /// The concepts whose stems begin `word`.
    std::uint64_t Match(std::string_view word) const {
        if (word.size() < 2) {
            return 0;
        }
        const std::size_t pair = Pair(word);
        std::uint64_t matched = 0;
        for (std::size_t i = first_[pair]; i < first_[pair + 1]; ++i) {
            if (word.starts_with(entries_[i].stem)) {
                matched |= entries_[i].mask;
            }
        }
        return matched;
    }

private:
    static constexpr std::size_t kPairs = std::size_t{1} << 16;
    struct Entry {
        std::string_view stem;  // at least two bytes
        std::uint64_t mask = 0;
    };

    static std::size_t Pair(std::string_view word) {
        return static_cast<std::size_t>(static_cast<unsigned char>(word[0])) << 8 | static_cast<unsigned char>(word[1]);
    }

    std::vector<Entry> entries_;
    std::vector<std::uint16_t> first_ = std::vector<std::uint16_t>(kPairs + 1, 0);
};

// "k=<concept>" when a word starts with one of the concept's stems, "k2=<concept>" when two words do.
void AddConceptFeatures(const NormalizedText& text, std::uint32_t bits, std::vector<std::uint32_t>& out) {
    static const ConceptIndex index(kConcepts);
    std::array<std::uint32_t, std::size(kConcepts)> hits{};
    for (const Token& token : text.tokens) {
        if (token.kind != TokenKind::kWord) {
            continue;
        }
        const std::uint64_t matched = index.Match(token.text);
        for (std::size_t i = 0; i < hits.size(); ++i) {
            hits[i] += static_cast<std::uint32_t>((matched >> i) & 1U);
        }
    }
    for (std::size_t i = 0; i < hits.size(); ++i) {
        if (hits[i] > 0) {
            out.push_back(Bucket(FeatureHash().Add("k=").Add(kConcepts[i].name).Value(), bits));
            if (hits[i] > 1) {
                out.push_back(Bucket(FeatureHash().Add("k2=").Add(kConcepts[i].name).Value(), bits));
            }
        }
    }
}

// "t=<theme>" when a word starts with one of the theme's stems.
void AddThemeFeatures(const NormalizedText& text, std::uint32_t bits, std::vector<std::uint32_t>& out) {
    static const ConceptIndex index(kThemes);
    std::uint64_t matched = 0;
    for (const Token& token : text.tokens) {
        if (token.kind == TokenKind::kWord) {
            matched |= index.Match(token.text);
        }
    }
    for (std::size_t i = 0; i < std::size(kThemes); ++i) {
        if (((matched >> i) & 1U) != 0) {
            out.push_back(Bucket(FeatureHash().Add("t=").Add(kThemes[i].name).Value(), bits));
        }
    }
}

bool Has(FeatureSet set, FeatureSet flag) {
    return (static_cast<std::uint8_t>(set) & static_cast<std::uint8_t>(flag)) != 0;
}

/// The word features (sorted, unique) with the set's further features added (each long word's prefix,
/// character n-grams, spam shapes): a sorted merge, so the word features of a text are hashed once even
/// when models with several feature sets read it.
std::vector<std::uint32_t> AddExtraFeatures(const NormalizedText& text, std::uint32_t bits,
                                            const std::vector<std::uint32_t>& words, FeatureSet set) {
    std::vector<std::uint32_t> extra;
    for (const Token& token : text.tokens) {
        if (token.kind != TokenKind::kWord) {
            continue;
        }
        const std::string_view word = token.text;
        if (Has(set, FeatureSet::kWordsAndPrefixes) && word.size() > kPrefixLength) {
            extra.push_back(Bucket(FeatureHash().Add("p=").Add(word.substr(0, kPrefixLength)).Value(), bits));
        }
        if (Has(set, FeatureSet::kCharNgramsFlag)) {
            AddCharNgrams(word, bits, extra);
        }
    }
    if (Has(set, FeatureSet::kShapesFlag)) {
        AddShapeFeatures(text, bits, extra);
    }
    if (Has(set, FeatureSet::kConceptsFlag)) {
        AddConceptFeatures(text, bits, extra);
    }
    if (Has(set, FeatureSet::kThemesFlag)) {
        AddThemeFeatures(text, bits, extra);
    }
    SortBuckets(extra, bits);
    extra.erase(std::unique(extra.begin(), extra.end()), extra.end());  // set_union keeps repeats
    std::vector<std::uint32_t> merged;
    merged.reserve(words.size() + extra.size());
    std::set_union(words.begin(), words.end(), extra.begin(), extra.end(), std::back_inserter(merged));
    return merged;
}

}  // namespace

std::vector<std::uint32_t> ExtractFeatures(const NormalizedText& text, QuestionKind question, std::uint32_t bits,
                                           FeatureSet set) {
    // Each feature is the FNV-1a hash of a string such as "qu=improve slow"; FNV-1a runs byte by byte, so
    // the hash is built part by part without building the string (the same buckets, no allocation).
    std::vector<std::uint32_t> features;
    features.reserve(text.tokens.size() * 3 + 1);
    const std::string_view tag = QuestionTag(question);
    features.push_back(Bucket(FeatureHash().Add("q=").Add(tag).Value(), bits));
    const FeatureHash question_unigram = FeatureHash().Add("qu=").Add(tag).Add(" ");
    for (std::size_t i = 0; i < text.tokens.size(); ++i) {
        const Token& token = text.tokens[i];
        const std::string_view word = TokenText(token);
        features.push_back(Bucket(FeatureHash().Add("u=").Add(word).Value(), bits));
        features.push_back(Bucket(FeatureHash(question_unigram).Add(word).Value(), bits));
        if (i + 1 < text.tokens.size() && text.tokens[i + 1].clause == token.clause) {
            features.push_back(
                Bucket(FeatureHash().Add("b=").Add(word).Add(" ").Add(TokenText(text.tokens[i + 1])).Value(), bits));
        }
    }
    SortBuckets(features, bits);
    features.erase(std::unique(features.begin(), features.end()), features.end());
    return set == FeatureSet::kWords ? features : AddExtraFeatures(text, bits, features, set);
}

LinearModel::LinearModel(OutputKind kind, std::uint32_t bits, std::vector<std::string> labels)
    : kind_(kind),
      bits_(bits),
      labels_(std::move(labels)),
      thresholds_(labels_.size(), 0.5),
      biases_(labels_.size(), 0.0F),
      weights_((std::size_t{1} << bits) * labels_.size(), 0.0F) {}

Result<LinearModel> LinearModel::Parse(std::string_view bytes) {
    Reader reader(bytes);
    std::string_view magic;
    std::uint32_t version = 0;
    std::uint8_t kind = 0;
    std::uint32_t bits = 0;
    std::uint32_t label_count = 0;
    std::uint8_t set = 0;
    if (!reader.Bytes(kMagic.size(), magic) || magic != kMagic || !reader.U32(version) ||
        (version != kFormatVersion && version != kFormatVersionSets && version != kFormatVersionEmail) ||
        !reader.U8(kind) || kind > 1 || (version != kFormatVersion && (!reader.U8(set) || set > kMaxFeatureSet)) ||
        !reader.U32(bits) || bits == 0 || bits > kMaxBits || !reader.U32(label_count) || label_count == 0 ||
        label_count > kMaxLabels) {
        return NlpErrc::kCorruptModel;
    }
    std::vector<std::string> labels;
    for (std::uint32_t i = 0; i < label_count; ++i) {
        std::uint32_t length = 0;
        std::string_view label;
        if (!reader.U32(length) || length == 0 || !reader.Bytes(length, label)) {
            return NlpErrc::kCorruptModel;
        }
        labels.emplace_back(label);
    }
    LinearModel model(static_cast<OutputKind>(kind), bits, std::move(labels));
    model.features_ = static_cast<FeatureSet>(set);
    for (double& threshold : model.thresholds_) {
        if (!reader.F64(threshold) || threshold < 0.0 || threshold > 1.0) {
            return NlpErrc::kCorruptModel;
        }
    }
    if (version == kFormatVersionEmail) {
        model.email_thresholds_.resize(model.thresholds_.size());
        for (double& threshold : model.email_thresholds_) {
            if (!reader.F64(threshold) || threshold < 0.0 || threshold > 1.0) {
                return NlpErrc::kCorruptModel;
            }
        }
    }
    for (float& bias : model.biases_) {
        if (!reader.F32(bias)) {
            return NlpErrc::kCorruptModel;
        }
    }
    std::uint32_t rows = 0;
    if (!reader.U32(rows) || rows > (std::uint32_t{1} << bits)) {
        return NlpErrc::kCorruptModel;
    }
    std::uint32_t previous = 0;
    for (std::uint32_t row = 0; row < rows; ++row) {
        std::uint32_t bucket = 0;
        if (!reader.U32(bucket) || bucket >= (std::uint32_t{1} << bits) || (row > 0 && bucket <= previous)) {
            return NlpErrc::kCorruptModel;
        }
        previous = bucket;
        for (std::uint32_t label = 0; label < label_count; ++label) {
            if (!reader.F32(model.weights_[std::size_t{bucket} * label_count + label])) {
                return NlpErrc::kCorruptModel;
            }
        }
    }
    if (!reader.AtEnd()) {
        return NlpErrc::kCorruptModel;
    }
    return model;
}

std::string LinearModel::Serialize() const {
    std::string out(kMagic);
    const std::uint32_t version = !email_thresholds_.empty()        ? kFormatVersionEmail
                                  : features_ == FeatureSet::kWords ? kFormatVersion
                                                                    : kFormatVersionSets;
    PutU32(out, version);
    out.push_back(static_cast<char>(kind_));
    if (version != kFormatVersion) {
        out.push_back(static_cast<char>(features_));
    }
    PutU32(out, bits_);
    PutU32(out, static_cast<std::uint32_t>(labels_.size()));
    for (const std::string& label : labels_) {
        PutU32(out, static_cast<std::uint32_t>(label.size()));
        out += label;
    }
    for (const double threshold : thresholds_) {
        PutF64(out, threshold);
    }
    for (const double threshold : email_thresholds_) {
        PutF64(out, threshold);
    }
    for (const float bias : biases_) {
        PutF32(out, bias);
    }
    const std::size_t width = labels_.size();
    const std::size_t buckets = width == 0 ? 0 : weights_.size() / width;
    std::string rows;
    std::uint32_t row_count = 0;
    for (std::size_t bucket = 0; bucket < buckets; ++bucket) {
        const auto first = weights_.begin() + static_cast<std::ptrdiff_t>(bucket * width);
        if (std::all_of(first, first + static_cast<std::ptrdiff_t>(width), [](float w) { return w == 0.0F; })) {
            continue;
        }
        ++row_count;
        PutU32(rows, static_cast<std::uint32_t>(bucket));
        for (std::size_t label = 0; label < width; ++label) {
            PutF32(rows, weights_[bucket * width + label]);
        }
    }
    PutU32(out, row_count);
    out += rows;
    return out;
}

namespace {

// Per-label linear scores → probabilities: independent sigmoids (one-vs-rest) or a softmax.
std::vector<double> ToProbabilities(OutputKind kind, std::vector<double> scores) {
    if (kind == OutputKind::kOneVsRest) {
        for (double& score : scores) {
            score = Sigmoid(score);
        }
        return scores;
    }
    double max = scores.empty() ? 0.0 : *std::max_element(scores.begin(), scores.end());
    double sum = 0.0;
    for (double& score : scores) {
        score = std::exp(score - max);
        sum += score;
    }
    for (double& score : scores) {
        score /= sum;
    }
    return scores;
}

}  // namespace

std::vector<double> LinearModel::Predict(const std::vector<std::uint32_t>& features) const {
    const std::size_t width = labels_.size();
    std::vector<double> scores(width);
    for (std::size_t label = 0; label < width; ++label) {
        scores[label] = biases_[label];
    }
    const std::size_t buckets = width == 0 ? 0 : weights_.size() / width;
    for (const std::uint32_t feature : features) {
        if (feature >= buckets) {
            continue;
        }
        const float* row = weights_.data() + std::size_t{feature} * width;
        for (std::size_t label = 0; label < width; ++label) {
            scores[label] += row[label];
        }
    }
    return ToProbabilities(kind_, std::move(scores));
}

namespace {

// Per (feature, label), log((p_f + a) / (|p| + a·n)) − log((q_f + a) / (|q| + a·n)): p_f and q_f count the
// examples with and without the label that have the feature, |p| and |q| their feature totals, n the features
// in use, a the smoothing. Softmax labels count each class against the rest. Bucket-major like the weights.
std::vector<float> NaiveBayesRatios(const std::vector<std::vector<std::uint32_t>>& features,
                                    const std::vector<TrainingExample>& examples, std::size_t width,
                                    std::size_t buckets, double smoothing) {
    std::vector<float> positive(buckets * width, 0.0F);
    std::vector<float> negative(buckets * width, 0.0F);
    std::vector<double> positive_total(width, 0.0);
    std::vector<double> negative_total(width, 0.0);
    std::vector<bool> used(buckets, false);
    for (std::size_t i = 0; i < examples.size(); ++i) {
        if (examples[i].targets.size() != width) {
            continue;
        }
        for (std::size_t label = 0; label < width; ++label) {
            const std::uint8_t target = examples[i].targets[label];
            if (target == kUnknownTarget) {
                continue;
            }
            std::vector<float>& counts = target != 0 ? positive : negative;
            (target != 0 ? positive_total : negative_total)[label] += static_cast<double>(features[i].size());
            for (const std::uint32_t feature : features[i]) {
                counts[std::size_t{feature} * width + label] += 1.0F;
            }
        }
        for (const std::uint32_t feature : features[i]) {
            used[feature] = true;
        }
    }
    const double in_use = static_cast<double>(std::count(used.begin(), used.end(), true));
    std::vector<float> ratios(buckets * width, 0.0F);
    for (std::size_t bucket = 0; bucket < buckets; ++bucket) {
        if (!used[bucket]) {
            continue;
        }
        for (std::size_t label = 0; label < width; ++label) {
            const std::size_t at = bucket * width + label;
            const double p = (positive[at] + smoothing) / (positive_total[label] + smoothing * in_use);
            const double q = (negative[at] + smoothing) / (negative_total[label] + smoothing * in_use);
            ratios[at] = static_cast<float>(std::log(p / q));
        }
    }
    return ratios;
}

}  // namespace

LinearModel TrainLinearModel(const std::vector<TrainingExample>& examples, const TrainingOptions& options) {
    if (options.nb_smoothing > 0.0 && options.nb_mix < 1.0) {
        // The scores of a plain and an NB-scaled model averaged: one linear model with averaged weights.
        TrainingOptions plain_options = options;
        plain_options.nb_smoothing = 0.0;
        TrainingOptions scaled_options = options;
        scaled_options.nb_mix = 1.0;
        LinearModel model = TrainLinearModel(examples, plain_options);
        LinearModel scaled = TrainLinearModel(examples, scaled_options);
        const auto mix = [&](std::vector<float>& into, const std::vector<float>& other) {
            for (std::size_t i = 0; i < into.size(); ++i) {
                into[i] = static_cast<float>((1.0 - options.nb_mix) * into[i] + options.nb_mix * other[i]);
            }
        };
        mix(model.Weights(), scaled.Weights());
        mix(model.Biases(), scaled.Biases());
        return model;
    }
    LinearModel model(options.kind, options.bits, options.labels);
    model.SetFeatures(options.features);
    const std::size_t width = options.labels.size();
    const std::size_t buckets = std::size_t{1} << options.bits;

    std::vector<std::vector<std::uint32_t>> features;
    features.reserve(examples.size());
    std::vector<std::uint32_t> document_frequency(buckets, 0);
    for (const TrainingExample& example : examples) {
        features.push_back(ExtractFeatures(Normalize(example.text), ClassifyQuestion(example.question), options.bits,
                                           options.features));
        for (const std::uint32_t feature : features.back()) {
            ++document_frequency[feature];
        }
    }
    for (auto& list : features) {
        std::erase_if(
            list, [&](std::uint32_t feature) { return document_frequency[feature] < options.min_document_frequency; });
    }

    // One-vs-rest: a rare label's positives weigh (negatives / positives)^positive_weight_power.
    std::vector<double> positive_weights(width, 1.0);
    if (options.kind == OutputKind::kOneVsRest && options.positive_weight_power != 0.0) {
        for (std::size_t label = 0; label < width; ++label) {
            std::size_t positives = 0;
            std::size_t negatives = 0;
            for (const TrainingExample& example : examples) {
                if (example.targets.size() == width && example.targets[label] != kUnknownTarget) {
                    (example.targets[label] != 0 ? positives : negatives) += 1;
                }
            }
            if (positives > 0 && negatives > positives) {
                positive_weights[label] = std::pow(static_cast<double>(negatives) / static_cast<double>(positives),
                                                   options.positive_weight_power);
            }
        }
    }
    std::vector<float>& weights = model.Weights();
    std::vector<float>& biases = model.Biases();
    // NB scaling (Wang & Manning 2012): each feature's input is its naive Bayes log-count ratio r for the label.
    // Under AdaGrad a feature's score then moves |r| times as far per step: features whose counts separate the
    // classes learn fast, those the counts call uninformative stay near zero (a prior from the counts, which
    // matters on a training set of a few thousand rows). Training works on unscaled weights u (score = b +
    // Σ u·r); the model keeps u·r, so Predict is unchanged.
    const std::vector<float> scale = options.nb_smoothing > 0.0
                                         ? NaiveBayesRatios(features, examples, width, buckets, options.nb_smoothing)
                                         : std::vector<float>();
    const auto predict = [&](const std::vector<std::uint32_t>& list) {
        if (scale.empty()) {
            return model.Predict(list);
        }
        std::vector<double> scores(biases.begin(), biases.end());
        for (const std::uint32_t feature : list) {
            const std::size_t base = std::size_t{feature} * width;
            for (std::size_t label = 0; label < width; ++label) {
                scores[label] += static_cast<double>(weights[base + label]) * scale[base + label];
            }
        }
        return ToProbabilities(options.kind, std::move(scores));
    };
    std::vector<float> squared(weights.size(), 0.0F);
    std::vector<double> bias_squared(width, 0.0);
    std::vector<std::size_t> order(examples.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    SplitMix64 random(options.seed);
    std::vector<double> gradient(width);
    for (std::uint32_t epoch = 0; epoch < options.epochs; ++epoch) {
        for (std::size_t i = order.size(); i > 1; --i) {
            const std::size_t j = static_cast<std::size_t>(random.Next() % i);
            std::swap(order[i - 1], order[j]);
        }
        for (const std::size_t index : order) {
            const TrainingExample& example = examples[index];
            if (example.targets.size() != width) {
                continue;
            }
            const std::vector<double> probabilities = predict(features[index]);
            for (std::size_t label = 0; label < width; ++label) {
                const std::uint8_t target = example.targets[label];
                // kUnknownTarget: this example says nothing about the label (one-vs-rest only).
                gradient[label] = target == kUnknownTarget
                                      ? 0.0
                                      : (probabilities[label] - static_cast<double>(target)) * example.weight *
                                            (target != 0 ? positive_weights[label] : 1.0);
            }
            for (std::size_t label = 0; label < width; ++label) {
                bias_squared[label] += gradient[label] * gradient[label];
                biases[label] -= static_cast<float>(options.learning_rate * gradient[label] /
                                                    (std::sqrt(bias_squared[label]) + kAdagradEpsilon));
            }
            for (const std::uint32_t feature : features[index]) {
                const std::size_t base = std::size_t{feature} * width;
                for (std::size_t label = 0; label < width; ++label) {
                    const double g = scale.empty() ? gradient[label] : gradient[label] * scale[base + label];
                    if (g == 0.0) {
                        continue;
                    }
                    squared[base + label] += static_cast<float>(g * g);
                    weights[base + label] -=
                        static_cast<float>(options.learning_rate * g /
                                           (std::sqrt(static_cast<double>(squared[base + label])) + kAdagradEpsilon));
                }
            }
        }
    }
    if (!scale.empty()) {
        for (std::size_t i = 0; i < weights.size(); ++i) {
            weights[i] *= scale[i];
        }
    }
    return model;
}

std::vector<double> ChooseThresholds(const LinearModel& model, const std::vector<TrainingExample>& validation,
                                     std::vector<double>* f1s) {
    std::vector<std::vector<double>> probabilities;
    probabilities.reserve(validation.size());
    for (const TrainingExample& example : validation) {
        probabilities.push_back(model.Predict(ExtractFeatures(
            Normalize(example.text), ClassifyQuestion(example.question), model.Bits(), model.Features())));
    }
    return ChooseThresholds(probabilities, validation, model.Labels().size(), f1s, kFirstThresholdStep);
}

std::vector<double> ChooseThresholds(const std::vector<std::vector<double>>& probabilities,
                                     const std::vector<TrainingExample>& validation, std::size_t width,
                                     std::vector<double>* f1s, int first_step) {
    std::vector<double> thresholds(width, kDefaultThreshold);
    if (f1s != nullptr) {
        f1s->assign(width, 0.0);
    }
    for (std::size_t label = 0; label < width; ++label) {
        std::size_t support = 0;
        for (const TrainingExample& example : validation) {
            support += (example.targets.size() == width && example.targets[label] != 0) ? 1 : 0;
        }
        if (support < kMinThresholdSupport) {
            continue;
        }
        double best_f1 = -1.0;
        for (int step = first_step; step <= kLastThresholdStep; ++step) {
            const double threshold = 0.05 * step;
            std::size_t tp = 0;
            std::size_t fp = 0;
            std::size_t fn = 0;
            for (std::size_t i = 0; i < validation.size(); ++i) {
                if (validation[i].targets.size() != width) {
                    continue;
                }
                const bool predicted = probabilities[i][label] >= threshold;
                const bool actual = validation[i].targets[label] != 0;
                tp += (predicted && actual) ? 1 : 0;
                fp += (predicted && !actual) ? 1 : 0;
                fn += (!predicted && actual) ? 1 : 0;
            }
            const double f1 = 2.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + fn);
            if (f1 > best_f1) {
                best_f1 = f1;
                thresholds[label] = threshold;
                if (f1s != nullptr) {
                    (*f1s)[label] = f1;
                }
            }
        }
    }
    return thresholds;
}

double LearnedSentimentWeight(Channel channel, QuestionKind question) {
    if (question == QuestionKind::kWhatToImprove || question == QuestionKind::kWhatWasGood ||
        channel == Channel::kSurvey) {
        return 0.7;
    }
    switch (channel) {
        case Channel::kReview:
            return 0.6;
        case Channel::kSocial:
            return 0.15;
        case Channel::kUnknown:
        case Channel::kSms:
        case Channel::kEmail:
        case Channel::kForum:
        case Channel::kSurvey:
            break;
    }
    return 0.4;
}

const std::vector<std::uint32_t>& TextFeatures::Get(QuestionKind question, std::uint32_t bits, FeatureSet set) {
    for (const Entry& entry : entries_) {
        if (entry.question == question && entry.bits == bits && entry.set == set) {
            return entry.features;
        }
    }
    if (set != FeatureSet::kWords) {
        // Reuse the word features another model already asked for (copied: the push below may move them).
        std::vector<std::uint32_t> words = Get(question, bits, FeatureSet::kWords);
        entries_.push_back(Entry{question, bits, set, AddExtraFeatures(text_, bits, words, set)});
        return entries_.back().features;
    }
    entries_.push_back(Entry{question, bits, set, ExtractFeatures(text_, question, bits, set)});
    return entries_.back().features;
}

Sentiment BlendSentiment(const Sentiment& lexicon, const LinearModel& model, const NormalizedText& text,
                         Channel channel, QuestionKind question) {
    TextFeatures features(text);
    return BlendSentiment(lexicon, model, features, channel, question);
}

Sentiment BlendSentiment(const Sentiment& lexicon, const LinearModel& model, TextFeatures& features, Channel channel,
                         QuestionKind question) {
    if (!lexicon.scored || model.Empty() || model.Kind() != OutputKind::kSoftmax || model.Labels().size() != 3 ||
        features.Text().tokens.empty()) {
        return lexicon;
    }
    const std::vector<double> probabilities = model.Predict(features.Get(question, model.Bits(), model.Features()));
    // Labels are kSentimentLabels: negative, neutral, positive.
    const double learned = probabilities[2] - probabilities[0];
    const double weight = LearnedSentimentWeight(channel, question);
    Sentiment blended = lexicon;
    blended.score = std::clamp((1.0 - weight) * lexicon.score + weight * learned, -1.0, 1.0);
    blended.label = LabelForScore(blended.score);
    return blended;
}

void ApplyCategoryRules(const NormalizedText& text, const std::vector<std::string>& labels,
                        std::vector<double>& probabilities) {
    const auto safety = std::find(labels.begin(), labels.end(), "safety");
    if (safety == labels.end()) {
        return;
    }
    const bool safe_word = std::any_of(text.tokens.begin(), text.tokens.end(), [](const Token& token) {
        return token.kind == TokenKind::kWord && (token.text.starts_with("safe") || token.text.starts_with("unsafe"));
    });
    if (safe_word) {
        double& p = probabilities[static_cast<std::size_t>(safety - labels.begin())];
        p = std::max(p, kCategoryRuleScore);
    }
}

void ScoreCategories(const LinearModel& model, const NormalizedText& text, QuestionKind question, Analysis& analysis) {
    TextFeatures features(text);
    ScoreCategories(model, features, question, analysis);
}

void ScoreCategories(const LinearModel& model, TextFeatures& features, QuestionKind question, Analysis& analysis) {
    analysis.categories.clear();
    analysis.category_scores.clear();
    if (model.Empty() || model.Kind() != OutputKind::kOneVsRest || features.Text().tokens.empty()) {
        return;
    }
    std::vector<double> probabilities = model.Predict(features.Get(question, model.Bits(), model.Features()));
    ApplyCategoryRules(features.Text(), model.Labels(), probabilities);
    for (std::size_t label = 0; label < model.Labels().size(); ++label) {
        analysis.category_scores.push_back({model.Labels()[label], std::clamp(probabilities[label], 0.0, 1.0)});
        if (probabilities[label] >= model.Thresholds()[label]) {
            analysis.categories.push_back(model.Labels()[label]);
        }
    }
    std::sort(analysis.categories.begin(), analysis.categories.end());
}

}  // namespace carelisten::nlp
