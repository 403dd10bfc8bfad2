#include <sodium.h>

#include <array>
#include <console/tokens.hpp>
#include <stdexcept>
#include <vector>

namespace carelisten::console {
namespace {

constexpr int kBase64Variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

// sodium_init is idempotent and thread-safe; the static makes it run once per process, not once per call.
void EnsureSodium() {
    static const int kStatus = sodium_init();
    if (kStatus < 0) {
        throw std::runtime_error("libsodium could not be initialised");
    }
}

const unsigned char* Bytes(std::string_view text) {
    static constexpr unsigned char kEmpty = 0;
    return text.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(text.data());
}

std::string Base64Url(const unsigned char* data, std::size_t size) {
    if (size == 0) {
        return {};
    }
    std::string out(sodium_base64_ENCODED_LEN(size, kBase64Variant), '\0');
    sodium_bin2base64(out.data(), out.size(), data, size, kBase64Variant);
    out.resize(out.find('\0'));
    return out;
}

}  // namespace

std::string RandomToken(std::size_t bytes) {
    if (bytes == 0) {
        return {};  // randombytes_buf must not be given the null pointer of an empty vector
    }
    EnsureSodium();
    std::vector<unsigned char> random(bytes);
    randombytes_buf(random.data(), random.size());
    std::string token = Base64Url(random.data(), random.size());
    sodium_memzero(random.data(), random.size());
    return token;
}

std::string TokenDigest(std::string_view token) {
    EnsureSodium();
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), Bytes(token), token.size());
    std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    return std::string(hex.data(), hex.size() - 1);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    if (a.empty()) {
        return true;
    }
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string CsrfToken(std::string_view session_secret, std::string_view form_purpose) {
    EnsureSodium();
    // The streaming API takes a key of any length (the one-shot crypto_auth_hmacsha256 wants exactly 32 bytes).
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, Bytes(session_secret), session_secret.size());
    crypto_auth_hmacsha256_update(&state, Bytes(form_purpose), form_purpose.size());
    std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
    crypto_auth_hmacsha256_final(&state, mac.data());
    sodium_memzero(&state, sizeof state);
    return Base64Url(mac.data(), mac.size());
}

bool CheckCsrfToken(std::string_view session_secret, std::string_view form_purpose, std::string_view presented) {
    if (session_secret.empty()) {
        return false;
    }
    return ConstantTimeEquals(CsrfToken(session_secret, form_purpose), presented);
}

}  // namespace carelisten::console
