#include <daemon/database_target.hpp>

namespace carelisten::daemon {

DatabaseTarget::DatabaseTarget(const Config& config, bool stop_adopted_cluster)
    : database_(config.database),
      state_dir_(config.daemon.GetString("state_dir")),
      stop_adopted_cluster_(stop_adopted_cluster) {}

DatabaseTarget::~DatabaseTarget() {
    Close();
}

void DatabaseTarget::Open() {
    const std::string& url = database_.GetString("url");
    if (url.empty()) {
        embedded_ = std::make_unique<EmbeddedPostgres>(EmbeddedPostgres::Options{
            .state_dir = state_dir_,
            .run_as = database_.GetString("embedded_run_as"),
            .bin_dir = database_.GetString("embedded_bin_dir"),
            .stop_adopted = stop_adopted_cluster_,
        });
        embedded_->Start();
        conninfo_ = embedded_->Conninfo();
        return;
    }
    conninfo_ = url;
    if (!database_.GetString("password_file").empty()) {
        password_ = ReadSecretFile(database_.GetString("password_file"));
    } else if (!database_.GetString("password_credential").empty()) {
        password_ = ReadCredential(database_.GetString("password_credential"));
    }
}

void DatabaseTarget::Close() {
    if (embedded_) {
        embedded_->Stop();
        embedded_.reset();
    }
}

}  // namespace carelisten::daemon
