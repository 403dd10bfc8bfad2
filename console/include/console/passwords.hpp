/// @file
/// @brief Staff console passwords: Argon2id hashing (libsodium), the acceptance rule for a new password and
/// generated initial passwords. Pure functions, safe to call from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace carelisten::console {

/// Argon2id work factors. Stored hashes carry their own cost, so raising it later only needs
/// PasswordNeedsRehash at the next successful login.
struct PasswordCost {
    unsigned long long ops;
    std::size_t memory_bytes;
};

/// libsodium's INTERACTIVE limits (2 passes, 64 MiB): the default, about 0.1 s per hash on a server core.
PasswordCost InteractiveCost();

/// libsodium's minimum limits: only for tests, where hundreds of hashes must be quick.
PasswordCost MinimumCost();

/// An Argon2id hash in libsodium's self-describing string form (`$argon2id$v=19$m=...`), salted randomly, so
/// two hashes of one password differ. Costs outside libsodium's bounds are clamped into them. Throws
/// std::runtime_error only when the memory for the hash cannot be allocated.
std::string HashPassword(std::string_view password);
std::string HashPassword(std::string_view password, PasswordCost cost);

/// True only when `stored_hash` is a valid Argon2i/Argon2id string and `password` matches it. A wrong password,
/// an empty, truncated or otherwise malformed hash (e.g. a disabled account's "!") all give false; never throws.
bool VerifyPassword(std::string_view password, const std::string& stored_hash);

/// True when `stored_hash` was not made by Argon2id at exactly `cost`, including when it is malformed: the
/// caller rehashes the just-verified password with HashPassword(password, cost) and stores the new hash.
bool PasswordNeedsRehash(const std::string& stored_hash, PasswordCost cost);

/// Why a new password is refused, as a sentence for the form, or nullopt when it is acceptable. The rule is
/// NIST SP 800-63B's (length over composition): at least 12 characters counted as UTF-8 code points (so a
/// passphrase in any script counts what the user typed), at most 1024 bytes (Argon2 cost is per byte and a
/// megabyte "password" is an attack), and not one character repeated.
std::optional<std::string> PasswordProblem(std::string_view password);

/// A random 20-character password for a new account or a reset, from an alphabet without look-alikes
/// (no 0/O, 1/l/I) so it survives being read out or copied by hand: 57 symbols, about 116 bits.
std::string GeneratePassword();

}  // namespace carelisten::console
