/// @file
/// @brief Random tokens, their stored digests, constant-time comparison and CSRF form tokens (libsodium).
/// Sessions and API tokens are stored only as TokenDigest, so a leaked table does not log anyone in.
/// Pure functions, safe to call from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace carelisten::console {

/// `bytes` random bytes from the OS CSPRNG, base64url without padding (URL-, cookie- and header-safe):
/// 32 bytes give 43 characters. 0 bytes give an empty string.
std::string RandomToken(std::size_t bytes = 32);

/// Lower-case hex SHA-256 of the token (64 characters): what the database stores and looks up. A plain hash
/// suffices because the tokens are 256-bit random, not guessable passwords.
std::string TokenDigest(std::string_view token);

/// Equality whose running time depends only on the lengths, not on where the first difference is; strings of
/// different lengths are unequal (token lengths are public, so that early exit leaks nothing).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

/// The CSRF token for one form: HMAC-SHA-256 of `form_purpose` (e.g. "case-close") keyed by the session's
/// secret, base64url. Stateless (nothing to store) and bound to both the session and the form, so a token
/// leaked from one form cannot submit another.
std::string CsrfToken(std::string_view session_secret, std::string_view form_purpose);

/// Whether `presented` is CsrfToken(session_secret, form_purpose), compared in constant time. An empty
/// session secret never validates: it means there is no session, and its tokens would be forgeable.
bool CheckCsrfToken(std::string_view session_secret, std::string_view form_purpose, std::string_view presented);

}  // namespace carelisten::console
