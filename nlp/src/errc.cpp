#include <nlp/errc.hpp>
#include <string>

namespace carelisten::nlp {
namespace {

class NlpCategoryImpl final : public std::error_category {
public:
    const char* name() const noexcept override { return "nlp"; }
    std::string message(int value) const override {
        switch (static_cast<NlpErrc>(value)) {
            case NlpErrc::kCorruptModel:
                return "embedded model data is corrupt";
        }
        return "unknown nlp error";
    }
};

}  // namespace

const std::error_category& NlpCategory() {
    static const NlpCategoryImpl category;
    return category;
}

std::error_code make_error_code(NlpErrc errc) {
    return {static_cast<int>(errc), NlpCategory()};
}

}  // namespace carelisten::nlp
