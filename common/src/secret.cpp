#include <common/secret.hpp>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace carelisten {

Secret ReadSecretFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read secret file " + path);
    }
    std::string value;
    std::getline(in, value);
    if (!value.empty() && value.back() == '\r') {
        value.pop_back();
    }
    if (value.empty()) {
        throw std::runtime_error("secret file " + path + " is empty");
    }
    return Secret(std::move(value));
}

Secret ReadCredential(const std::string& name) {
    const char* directory = std::getenv("CREDENTIALS_DIRECTORY");
    if (directory == nullptr || *directory == '\0') {
        throw std::runtime_error("credential '" + name +
                                 "' requested but $CREDENTIALS_DIRECTORY is not set (use LoadCredential= in the unit)");
    }
    if (name.find('/') != std::string::npos) {
        throw std::runtime_error("credential name '" + name + "' must not contain '/'");
    }
    return ReadSecretFile(std::string(directory) + "/" + name);
}

Secret SecretSource::Read() const {
    if (!file.empty()) {
        return ReadSecretFile(file);
    }
    if (!credential.empty()) {
        return ReadCredential(credential);
    }
    throw std::runtime_error("no secret configured (set a *_file or *_credential key)");
}

std::string SecretSource::Describe() const {
    if (!file.empty()) {
        return "file " + file;
    }
    if (!credential.empty()) {
        return "credential " + credential;
    }
    return "no secret configured";
}

}  // namespace carelisten
