#include "connection.hpp"

#include <array>

namespace carelisten::crm {
namespace {

bool IsUri(const std::string& conninfo) {
    return conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
}

// A value for a key/value connection string: single-quoted, with \ and ' escaped (libpq's conninfo syntax).
std::string QuoteKeyValue(std::string_view value) {
    std::string quoted = "'";
    for (const char c : value) {
        if (c == '\\' || c == '\'') {
            quoted += '\\';
        }
        quoted += c;
    }
    quoted += '\'';
    return quoted;
}

// A value for a URI query parameter: everything but RFC 3986 unreserved characters percent-encoded.
std::string PercentEncode(std::string_view value) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string encoded;
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                                (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' ||
                                byte == '~';
        if (unreserved) {
            encoded += c;
        } else {
            encoded += '%';
            encoded += kHex[byte >> 4U];
            encoded += kHex[byte & 0x0FU];
        }
    }
    return encoded;
}

bool UriHasParameter(const std::string& uri, std::string_view key) {
    const auto query = uri.find('?');
    if (query == std::string::npos) {
        return false;
    }
    std::size_t pos = query + 1;
    while (pos < uri.size()) {
        const auto end = uri.find('&', pos);
        const std::string_view param(uri.data() + pos, (end == std::string::npos ? uri.size() : end) - pos);
        if (param.substr(0, key.size()) == key && param.size() > key.size() && param[key.size()] == '=') {
            return true;
        }
        if (end == std::string::npos) {
            break;
        }
        pos = end + 1;
    }
    return false;
}

// Maps libpq's connection failure text to a fixed phrase (libpq messages are English unless NLS is enabled).
std::string_view DescribeConnectFailure(std::string_view message) {
    struct Pattern {
        std::string_view needle;
        std::string_view description;
    };
    static constexpr std::array kPatterns{
        Pattern{"in connection info string", "malformed connection string"},
        Pattern{"invalid URI", "malformed connection URI"},
        Pattern{"invalid percent-encoded", "malformed connection URI"},
        Pattern{"invalid connection option", "unknown connection option"},
        Pattern{"password authentication failed", "password authentication failed"},
        Pattern{"no password supplied", "the server wants a password and none was given"},
        Pattern{"no pg_hba.conf entry", "the server's pg_hba.conf rejects this client"},
        Pattern{"Peer authentication failed", "peer authentication failed"},
        Pattern{"timeout expired", "connect timeout"},
        Pattern{"Connection refused", "connection refused: is the server running?"},
        Pattern{"No such file or directory", "no server socket: is the server running?"},
        Pattern{"could not translate host name", "unknown host name"},
        Pattern{"starting up", "the server is starting up"},
        Pattern{"shutting down", "the server is shutting down"},
        Pattern{"too many", "too many connections"},
        Pattern{"does not match host name", "the server's TLS certificate does not name this host (verify-full)"},
        Pattern{"certificate verify failed", "the server's TLS certificate is not signed by the configured CA"},
        Pattern{"SSL", "TLS negotiation failed"},
        Pattern{"role", "the role does not exist or may not log in"},
        Pattern{"database", "the database does not exist or is not accessible"},
    };
    for (const auto& pattern : kPatterns) {
        if (message.find(pattern.needle) != std::string_view::npos) {
            return pattern.description;
        }
    }
    return "see the PostgreSQL server log";
}

}  // namespace

std::string BuildConninfo(const std::string& conninfo, const std::string& password) {
    if (IsUri(conninfo)) {
        std::string uri = conninfo;
        auto append = [&uri](std::string_view key, std::string_view value) {
            uri += uri.find('?') == std::string::npos ? '?' : '&';
            uri += key;
            uri += '=';
            uri += PercentEncode(value);
        };
        if (!UriHasParameter(uri, "connect_timeout")) {
            append("connect_timeout", "10");
        }
        append("fallback_application_name", "carelisten");
        if (!password.empty()) {
            append("password", password);  // a repeated parameter overrides the earlier one
        }
        return uri;
    }
    // Key/value: libpq keeps the last value of a repeated key, so defaults go first (the operator's conninfo
    // overrides them) and the password goes last (it overrides any password in conninfo).
    std::string result = "connect_timeout=10 fallback_application_name=carelisten ";
    result += conninfo;
    if (!password.empty()) {
        result += " password=";
        result += QuoteKeyValue(password);
    }
    return result;
}

bool NoticeSink::operator()(const char /*message*/[]) noexcept {
    log::Debug("crm", "dropped a server notice");
    return false;
}

void LogConnectFailure(std::string_view operation, const std::exception& error, log::Level level) {
    log::Format(level, "crm", operation, ": cannot connect to the database: ", DescribeConnectFailure(error.what()));
}

}  // namespace carelisten::crm
