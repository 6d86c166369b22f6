// The web page's files, compiled into the binary so that the page works
// with no internet and nothing beside the binary: index.html, its script
// and style, and uPlot (npm, pinned in lib/page/package-lock.json) with
// its licence. Generated at build time from lib/page/.
#pragma once

#include <string>

namespace nodepulse::page {

struct asset {
  const char* content_type;
  std::string body;
};

// The file served at `path` ("/" is index.html), or nullptr.
const asset* find_asset(const std::string& path);

} // namespace nodepulse::page
