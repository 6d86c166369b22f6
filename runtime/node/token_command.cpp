#include "runtime/node/token_command.hpp"

#include "config/ingest_config.hpp"
#include "lib/ingest/agent_auth.hpp"
#include "lib/ingest/token_admin.hpp"
#include "lib/pg/token_admin.hpp"
#include "lib/text/uuid.hpp"
#include "runtime/node/node_runner.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace nodepulse::node {

namespace {

constexpr const char* usage =
  "usage: nodepulse token add --server-id UUID      WHERE\n"
  "       nodepulse token revoke (--server-id UUID | --hash PREFIX) WHERE\n"
  "       nodepulse token list                      WHERE\n"
  "WHERE: -c ingest.yml (its auth.postgres_dsn or auth.tokens_file) | --dsn DSN | "
  "--tokens-file FILE\n";

int usage_error(const char* why) {
  std::fprintf(stderr, "nodepulse token: %s\n%s", why, usage);
  return 2;
}

// Where the tokens are: a database or a file, never both.
struct token_place {
  std::string dsn;
  std::string file;
  std::string name() const { return dsn.empty() ? file : "admiral.agent_tokens"; }
};

} // namespace

int token_command(int argc, char** argv) {
  if (argc < 1)
    return usage_error("add, revoke or list?");
  const std::string verb = argv[0];
  token_place place;
  std::string config_path, server_id, hash_prefix;
  for (int i = 1; i < argc; ++i) {
    bool has_value = i + 1 < argc;
    if ((!std::strcmp(argv[i], "-c") || !std::strcmp(argv[i], "--config")) && has_value)
      config_path = argv[++i];
    else if (!std::strcmp(argv[i], "--dsn") && has_value)
      place.dsn = argv[++i];
    else if (!std::strcmp(argv[i], "--tokens-file") && has_value)
      place.file = argv[++i];
    else if (!std::strcmp(argv[i], "--server-id") && has_value)
      server_id = argv[++i];
    else if (!std::strcmp(argv[i], "--hash") && has_value)
      hash_prefix = argv[++i];
    else
      return usage_error(("unknown argument '" + std::string{argv[i]} + "'").c_str());
  }
  if (!config_path.empty()) {
    config::ingest_config cfg;
    if (!load_config_reporting(config_path, cfg, config::load_ingest_config_file))
      return 2;
    place.dsn = cfg.auth.postgres_dsn;
    place.file = cfg.auth.tokens_file;
    if (place.dsn.empty() && place.file.empty())
      return usage_error(
        (config_path + " has neither auth.postgres_dsn nor auth.tokens_file").c_str());
  }
  if (place.dsn.empty() == place.file.empty())
    return usage_error("say where the tokens are: -c ingest.yml, --dsn or --tokens-file (one)");
  if (!server_id.empty() && !text::valid_uuid(server_id))
    return usage_error(("--server-id '" + server_id + "' is not a UUID").c_str());
  // How long a revocation takes to bite, said after each change.
  const char* takes_effect =
    place.dsn.empty() ? "The ingest reads the tokens file at start and on SIGHUP: `systemctl "
                        "reload nodepulse-ingest` applies this"
                      : "The ingest applies this within its auth.cache_ttl (60 s by default)";

  if (verb == "add") {
    if (server_id.empty())
      return usage_error("add needs --server-id (the agent's agent.server_id)");
    const auto token = ingest::new_token();
    const auto hash = ingest::hash_token(token);
    auto error = place.dsn.empty() ? ingest::tokens_file_add(place.file, server_id, hash)
                                   : pg::add_token(place.dsn, server_id, hash);
    if (!error.empty()) {
      std::fprintf(stderr, "nodepulse token add: %s\n", error.c_str());
      return 1;
    }
    std::printf("%s\n", token.c_str());
    std::fprintf(stderr,
                 "nodepulse token: a token for server %s is in %s (hash %.12s…); only its hash "
                 "is kept: the token above is not shown again. Give it to the agent in its "
                 "server.token_file (0600). %s.\n",
                 server_id.c_str(), place.name().c_str(), hash.c_str(), takes_effect);
    return 0;
  }
  if (verb == "revoke") {
    if (server_id.empty() == hash_prefix.empty())
      return usage_error("revoke needs --server-id or --hash (one)");
    if (!hash_prefix.empty()
        && (hash_prefix.size() < 8 || hash_prefix.size() > 64
            || hash_prefix.find_first_not_of("0123456789abcdef") != std::string::npos))
      return usage_error("--hash takes 8 to 64 lowercase hex digits of a token's hash");
    size_t revoked = 0;
    auto error = place.dsn.empty()
                   ? ingest::tokens_file_revoke(place.file, server_id, hash_prefix, revoked)
                   : pg::revoke_tokens(place.dsn, server_id, hash_prefix, revoked);
    if (!error.empty()) {
      std::fprintf(stderr, "nodepulse token revoke: %s\n", error.c_str());
      return 1;
    }
    std::printf("revoked %zu token%s in %s. %s.\n", revoked, revoked == 1 ? "" : "s",
                place.name().c_str(), takes_effect);
    return 0;
  }
  if (verb == "list") {
    std::vector<ingest::token_entry> tokens;
    auto error = place.dsn.empty() ? ingest::tokens_file_list(place.file, tokens)
                                   : pg::list_tokens(place.dsn, tokens);
    if (!error.empty()) {
      std::fprintf(stderr, "nodepulse token list: %s\n", error.c_str());
      return 1;
    }
    std::printf("%-36s  %-13s  %-20s  %s\n", "SERVER", "HASH", "CREATED", "STATE");
    for (const auto& t : tokens)
      std::printf("%-36s  %.12s…  %-20s  %s\n", t.server_id.c_str(), t.token_hash.c_str(),
                  t.created_at.empty() ? "-" : t.created_at.c_str(),
                  t.revoked_at.empty() ? "working" : ("revoked " + t.revoked_at).c_str());
    std::printf("%zu token%s in %s\n", tokens.size(), tokens.size() == 1 ? "" : "s",
                place.name().c_str());
    return 0;
  }
  return usage_error(("unknown token command '" + verb + "'").c_str());
}

} // namespace nodepulse::node
