// A throwaway certificate authority for TLS tests, made with the openssl
// command: ca.pem, and server.pem/key and agent.pem/key it signed (valid for
// 127.0.0.1 and localhost), in a private directory removed afterwards.
#pragma once

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace nodepulse::test {

class test_ca {
public:
  test_ca() {
    char dir[] = "/tmp/nodepulse-tls-XXXXXX";
    if (::mkdtemp(dir) == nullptr)
      throw std::runtime_error("cannot make a directory for the test CA");
    dir_ = dir;
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run("openssl req -x509 " + key
        + " -keyout ca.key -out ca.pem -days 2 -subj '/CN=nodepulse test CA'");
    for (std::string who : {"server", "agent"}) {
      run("openssl req " + key + " -keyout " + who + ".key -out " + who + ".csr -subj '/CN=" + who
          + "'");
      run("printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext && openssl x509 "
          "-req -in "
          + who + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out " + who
          + ".pem -extfile san.ext");
    }
  }

  ~test_ca() { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::string file(const std::string& name) const { return dir_ + "/" + name; }

private:
  void run(const std::string& command) const {
    if (std::system(("cd '" + dir_ + "' && " + command + " >/dev/null 2>&1").c_str()) != 0)
      throw std::runtime_error("test CA: failed: " + command);
  }

  std::string dir_;
};

} // namespace nodepulse::test
