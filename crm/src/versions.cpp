#include <libpq-fe.h>

#include <crm/store.hpp>
#include <pqxx/version>

namespace carelisten::crm {

std::string ClientLibraryVersions() {
    const int libpq = ::PQlibVersion();  // e.g. 150010 for 15.10
    return "libpq " + std::to_string(libpq / 10000) + "." + std::to_string(libpq % 100) + ", libpqxx " + PQXX_VERSION;
}

}  // namespace carelisten::crm
