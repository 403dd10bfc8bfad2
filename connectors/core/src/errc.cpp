#include <connectors/errc.hpp>
#include <string>

namespace carelisten::connectors {
namespace {

class ConnectorCategoryImpl final : public std::error_category {
public:
    const char* name() const noexcept override { return "connector"; }
    std::string message(int value) const override {
        switch (static_cast<ConnectorErrc>(value)) {
            case ConnectorErrc::kRetryLater:
                return "transient failure, retry later";
            case ConnectorErrc::kRateLimited:
                return "rate limited by the upstream";
            case ConnectorErrc::kAuthBroken:
                return "credentials rejected by the upstream";
            case ConnectorErrc::kMalformed:
                return "malformed record";
            case ConnectorErrc::kPermanent:
                return "permanent failure";
        }
        return "unknown connector error";
    }
};

}  // namespace

const std::error_category& ConnectorCategory() {
    static const ConnectorCategoryImpl category;
    return category;
}

std::error_code make_error_code(ConnectorErrc errc) {
    return {static_cast<int>(errc), ConnectorCategory()};
}

}  // namespace carelisten::connectors
