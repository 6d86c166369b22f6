// `nodepulse migrate -c digest.yml [--dsn DSN]`: applies the bundled schema
// migrations (sql/) to the database of postgres.dsn (or --dsn).
#pragma once

namespace nodepulse::node {

// Exit codes: 0 applied or up to date, 1 a migration or the database failed,
// 2 usage or config error.
int migrate_command(int argc, char** argv);

} // namespace nodepulse::node
