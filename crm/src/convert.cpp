#include "convert.hpp"

#include <chrono>
#include <pqxx/pqxx>

namespace carelisten::crm {

std::string TextArrayLiteral(const std::vector<std::string>& values) {
    std::string literal = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) {
            literal += ',';
        }
        literal += '"';
        for (const char c : values[i]) {
            if (c == '"' || c == '\\') {
                literal += '\\';
            }
            literal += c;
        }
        literal += '"';
    }
    literal += '}';
    return literal;
}

std::vector<std::string> ParseTextArray(const pqxx::field& field) {
    std::vector<std::string> values;
    if (field.is_null()) {
        return values;
    }
    auto parser = field.as_array();
    for (;;) {
        auto [juncture, value] = parser.get_next();
        if (juncture == pqxx::array_parser::done) {
            break;
        }
        if (juncture == pqxx::array_parser::string_value) {
            values.push_back(std::move(value));
        }
    }
    return values;
}

std::int64_t ToUnixMicros(Timestamp time) {
    return std::chrono::floor<std::chrono::microseconds>(time.time_since_epoch()).count();
}

Timestamp FromUnixMicros(std::int64_t micros) {
    return Timestamp{std::chrono::duration_cast<Timestamp::duration>(std::chrono::microseconds{micros})};
}

}  // namespace carelisten::crm
