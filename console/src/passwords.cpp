#include <sodium.h>

#include <algorithm>
#include <array>
#include <console/passwords.hpp>
#include <stdexcept>
#include <string_view>

namespace carelisten::console {
namespace {

constexpr std::size_t kMinPasswordCodePoints = 12;
constexpr std::size_t kMaxPasswordBytes = 1024;
constexpr std::size_t kGeneratedLength = 20;
constexpr std::string_view kGeneratedAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
constexpr std::string_view kArgon2idPrefix = "$argon2id$";

// sodium_init is idempotent and thread-safe; the static makes it run once per process, not once per call.
void EnsureSodium() {
    static const int kStatus = sodium_init();
    if (kStatus < 0) {
        throw std::runtime_error("libsodium could not be initialised");
    }
}

PasswordCost Clamped(PasswordCost cost) {
    return PasswordCost{
        .ops = std::clamp<unsigned long long>(cost.ops, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_OPSLIMIT_MAX),
        .memory_bytes =
            std::clamp<std::size_t>(cost.memory_bytes, crypto_pwhash_MEMLIMIT_MIN, crypto_pwhash_MEMLIMIT_MAX),
    };
}

// crypto_pwhash_* take a NUL-terminated string of at most STRBYTES - 1 characters; anything else is not a hash.
bool IsPlausibleHashString(const std::string& stored_hash) {
    return !stored_hash.empty() && stored_hash.size() < crypto_pwhash_STRBYTES &&
           stored_hash.find('\0') == std::string::npos;
}

// libsodium accepts a null pointer with length 0, but a non-null one costs nothing and needs no argument.
const char* NonNull(std::string_view text) {
    return text.empty() ? "" : text.data();
}

bool IsContinuationByte(char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

}  // namespace

PasswordCost InteractiveCost() {
    return PasswordCost{.ops = crypto_pwhash_OPSLIMIT_INTERACTIVE, .memory_bytes = crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordCost MinimumCost() {
    return PasswordCost{.ops = crypto_pwhash_OPSLIMIT_MIN, .memory_bytes = crypto_pwhash_MEMLIMIT_MIN};
}

std::string HashPassword(std::string_view password) {
    return HashPassword(password, InteractiveCost());
}

std::string HashPassword(std::string_view password, PasswordCost cost) {
    EnsureSodium();
    const PasswordCost bounded = Clamped(cost);
    std::array<char, crypto_pwhash_STRBYTES> out{};
    if (crypto_pwhash_str_alg(out.data(), NonNull(password), password.size(), bounded.ops, bounded.memory_bytes,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        // With the cost clamped and the length bounded by size_t, the only remaining failure is allocation.
        throw std::runtime_error("argon2id password hashing failed: out of memory");
    }
    return std::string(out.data());
}

bool VerifyPassword(std::string_view password, const std::string& stored_hash) {
    if (!IsPlausibleHashString(stored_hash)) {
        return false;
    }
    try {
        EnsureSodium();
    } catch (const std::runtime_error&) {
        return false;
    }
    return crypto_pwhash_str_verify(stored_hash.c_str(), NonNull(password), password.size()) == 0;
}

bool PasswordNeedsRehash(const std::string& stored_hash, PasswordCost cost) {
    if (!IsPlausibleHashString(stored_hash) || !stored_hash.starts_with(kArgon2idPrefix)) {
        return true;  // Argon2i, another scheme or garbage: replace it with the current one
    }
    EnsureSodium();
    const PasswordCost bounded = Clamped(cost);
    return crypto_pwhash_str_needs_rehash(stored_hash.c_str(), bounded.ops, bounded.memory_bytes) != 0;
}

std::optional<std::string> PasswordProblem(std::string_view password) {
    if (password.size() > kMaxPasswordBytes) {
        return "The password is too long: at most 1024 bytes.";
    }
    const auto code_points = static_cast<std::size_t>(
        std::count_if(password.begin(), password.end(), [](char c) { return !IsContinuationByte(c); }));
    if (code_points < kMinPasswordCodePoints) {
        return "The password is too short: use at least 12 characters; a few unrelated words work well.";
    }
    // All one character: every code point equals the first one (compared as byte sequences).
    std::size_t first_length = 1;
    while (first_length < password.size() && IsContinuationByte(password[first_length])) {
        ++first_length;
    }
    const std::string_view first = password.substr(0, first_length);
    bool all_same = password.size() % first_length == 0;
    for (std::size_t i = 0; all_same && i < password.size(); i += first_length) {
        all_same = password.substr(i, first_length) == first;
    }
    if (all_same) {
        return "The password repeats a single character: choose one that is harder to guess.";
    }
    return std::nullopt;
}

std::string GeneratePassword() {
    EnsureSodium();
    std::string password(kGeneratedLength, ' ');
    for (char& c : password) {
        c = kGeneratedAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kGeneratedAlphabet.size()))];
    }
    return password;
}

}  // namespace carelisten::console
