#include "runtime/node/remoting.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/remote_actor.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <memory>

namespace nodepulse::node {

void enable_remoting(caf::actor_system_config& cfg, const remoting_tls& tls) {
  cfg.load<caf::io::middleman>();
  if (!tls.enabled())
    return;
  cfg.load<caf::openssl::manager>();
  cfg.set("openssl.certificate", tls.cert_file);
  cfg.set("openssl.key", tls.key_file);
  cfg.set("openssl.cafile", tls.ca_file);
}

namespace {

std::string openssl_reason() {
  auto code = ERR_get_error();
  ERR_clear_error();
  if (code == 0)
    return "unreadable";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

} // namespace

bool check_remoting_tls(const remoting_tls& tls, std::string& error) {
  if (!tls.enabled())
    return true;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{SSL_CTX_new(TLS_method()), &SSL_CTX_free};
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), tls.cert_file.c_str()) != 1) {
    error = tls.cert_file + ": not a usable certificate: " + openssl_reason();
    return false;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    error = tls.key_file + ": not a usable private key: " + openssl_reason();
    return false;
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    error = tls.key_file + ": does not belong to the certificate " + tls.cert_file;
    return false;
  }
  if (SSL_CTX_load_verify_locations(ctx.get(), tls.ca_file.c_str(), nullptr) != 1) {
    error = tls.ca_file + ": not a usable CA file: " + openssl_reason();
    return false;
  }
  return true;
}

bool publish_gateway(caf::actor_system& sys, const ingest_gateway_front_actor& gateway,
                     uint16_t& port, std::string& error) {
  auto bound = sys.middleman().publish(gateway, 0, "127.0.0.1", true);
  if (!bound) {
    error = "caf.listen: cannot publish the gateway on 127.0.0.1: " + sys.render(bound.error());
    return false;
  }
  port = *bound;
  return true;
}

std::function<caf::expected<ingest_gateway_actor>()>
gateway_connector(caf::actor_system& sys, std::string host, uint16_t port, bool tls) {
  return [&sys, host = std::move(host), port, tls]() -> caf::expected<ingest_gateway_actor> {
    if (tls)
      return caf::openssl::remote_actor<ingest_gateway_actor>(sys, host, port);
    return sys.middleman().remote_actor<ingest_gateway_actor>(host, port);
  };
}

} // namespace nodepulse::node
