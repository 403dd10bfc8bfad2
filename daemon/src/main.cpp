// carelistend: the patient-listening daemon. Everything is in Application; see daemon/README.md.
#include <CLI/CLI.hpp>
#include <daemon/application.hpp>
#include <daemon/config.hpp>
#include <daemon/wiring.hpp>
#include <iostream>

int main(int argc, char** argv) {
    CLI::App cli{"carelistend: listens to patients and stores what they say in the hospital CRM"};
    std::string config_path = "/etc/carelisten/carelistend.toml";
    bool check_only = false;
    bool version = false;
    cli.add_option("-c,--config", config_path, "configuration file")->capture_default_str();
    cli.add_flag("--check-config", check_only, "validate the configuration and exit (0 valid, 2 invalid)");
    cli.add_flag("--version", version, "print the version and the libraries' versions, then exit");
    CLI11_PARSE(cli, argc, argv);

    if (version) {
        std::cout << "carelistend " << carelisten::daemon::Version() << " (" << carelisten::daemon::LibraryVersions()
                  << ")\n";
        return 0;
    }

    if (check_only) {
        try {
            carelisten::daemon::LoadConfigFile(config_path);
            std::cout << config_path << ": configuration OK\n";
            return 0;
        } catch (const carelisten::daemon::ConfigError& error) {
            for (const auto& problem : error.Problems()) {
                std::cerr << problem << "\n";
            }
            return 2;
        }
    }
    return carelisten::daemon::Application(config_path).Run();
}
