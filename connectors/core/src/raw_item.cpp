#include <charconv>
#include <connectors/raw_item.hpp>
#include <ctime>

namespace carelisten::connectors {

bool IsValidUtf8(std::string_view text) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t size = text.size();
    std::size_t i = 0;
    while (i < size) {
        const unsigned char lead = bytes[i];
        if (lead < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        char32_t code_point = 0;
        if ((lead & 0xE0) == 0xC0) {
            length = 2;
            code_point = lead & 0x1Fu;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3;
            code_point = lead & 0x0Fu;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4;
            code_point = lead & 0x07u;
        } else {
            return false;
        }
        if (i + length > size) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            if ((bytes[i + k] & 0xC0) != 0x80) {
                return false;
            }
            code_point = (code_point << 6) | (bytes[i + k] & 0x3Fu);
        }
        static constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
        if (code_point < kMinForLength[length] || code_point > 0x10FFFF ||
            (code_point >= 0xD800 && code_point <= 0xDFFF)) {
            return false;
        }
        i += length;
    }
    return true;
}

std::optional<std::string> ValidateRawItem(const RawItem& item) {
    if (item.source.empty()) {
        return "empty source";
    }
    if (item.external_id.empty()) {
        return "empty external_id";
    }
    for (const std::string* field :
         {&item.external_id, &item.channel, &item.text, &item.author, &item.url, &item.thread_id, &item.language_hint,
          &item.question, &item.reply_to, &item.version, &item.community}) {
        if (!IsValidUtf8(*field)) {
            return "invalid UTF-8";
        }
    }
    if (item.rating && (*item.rating < 1 || *item.rating > 5)) {
        return "rating outside 1..5";
    }
    return std::nullopt;
}

namespace {

bool ReadDigits(std::string_view text, std::size_t pos, std::size_t count, int& value) {
    if (pos + count > text.size()) {
        return false;
    }
    const char* begin = text.data() + pos;
    const auto [end, ec] = std::from_chars(begin, begin + count, value);
    return ec == std::errc{} && end == begin + count;
}

}  // namespace

std::optional<Timestamp> ParseRfc3339(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (text.size() < 20 || !ReadDigits(text, 0, 4, year) || text[4] != '-' || !ReadDigits(text, 5, 2, month) ||
        text[7] != '-' || !ReadDigits(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
        !ReadDigits(text, 11, 2, hour) || text[13] != ':' || !ReadDigits(text, 14, 2, minute) || text[16] != ':' ||
        !ReadDigits(text, 17, 2, second)) {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    std::chrono::nanoseconds fraction{0};
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::int64_t scale = 100'000'000;
        const std::size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (scale > 0) {
                fraction += std::chrono::nanoseconds((text[pos] - '0') * scale);
                scale /= 10;
            }
            ++pos;
        }
        if (pos == start) {
            return std::nullopt;
        }
    }
    int offset_minutes = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int offset_hours = 0, offset_mins = 0;
        if (!ReadDigits(text, pos + 1, 2, offset_hours) || text.size() <= pos + 3 || text[pos + 3] != ':' ||
            !ReadDigits(text, pos + 4, 2, offset_mins) || offset_hours > 23 || offset_mins > 59) {
            return std::nullopt;
        }
        offset_minutes = (offset_hours * 60 + offset_mins) * (text[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    const auto utc = std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
                     std::chrono::seconds{second} - std::chrono::minutes{offset_minutes};
    return std::chrono::time_point_cast<Timestamp::duration>(utc + fraction);
}

}  // namespace carelisten::connectors
