// How a request's body is framed (RFC 9112 6): by a final `chunked`
// Transfer-Encoding, or by Content-Length, never both and nothing else.
// Anything else leaves the framing in doubt (request smuggling), and is
// answered 400 with the message returned here.
#pragma once

#include "lib/text/ascii.hpp"

#include <cstddef>
#include <string_view>

namespace nodepulse::http {

// `te` is the Transfer-Encoding value ("" if absent), `te_fields` how many
// such fields the header had; nullptr when the framing is sound.
inline const char* framing_problem(std::string_view te, size_t te_fields, bool has_content_length) {
  if (te_fields == 0)
    return nullptr;
  if (te_fields > 1 || !text::iequals(text::trim_ows(te), "chunked"))
    return "Transfer-Encoding other than chunked is not supported";
  if (has_content_length)
    return "Transfer-Encoding and Content-Length together";
  return nullptr;
}

} // namespace nodepulse::http
