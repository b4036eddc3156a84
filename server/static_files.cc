#include "static_files.h"

#include <fmt/format.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "exam/crypto.h"
#include "http_util.h"
#include "routes.h"

namespace examd {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << stream.rdbuf();
  return buffer.str();
}

// esbuild names bundles NAME-HASH.EXT with 8 base32 characters; Pyodide lives
// under pyodide/VERSION/. Both change name whenever content changes.
bool IsImmutablePath(const std::string& path) {
  static const std::regex hashed(R"((^|/)[^/]+-[A-Za-z0-9]{8,}\.[a-z0-9]+$)");
  static const std::regex versioned(R"(^pyodide/[0-9][^/]*/)");
  return std::regex_search(path, hashed) || std::regex_search(path, versioned);
}

bool Accepts(const httplib::Request& req, const std::string& encoding) {
  const std::string accepted = req.get_header_value("Accept-Encoding");
  const auto pos = accepted.find(encoding);
  if (pos == std::string::npos) {
    return false;
  }
  const auto end = accepted.find(',', pos);
  const std::string part = accepted.substr(pos, end == std::string::npos ? end : end - pos);
  return part.find("q=0") == std::string::npos || part.find("q=0.") != std::string::npos;
}

std::string PageContentSecurityPolicy(const std::string& nonce) {
  return fmt::format(
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'nonce-{}'; "
      "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; connect-src 'self'; "
      "worker-src 'self'; img-src 'self' data:; form-action 'none'",
      nonce);
}

// A dedicated worker runs under the policy of its own script's response, so
// scripts get one that lets the Python worker load Pyodide and its
// WebAssembly from this origin.
const std::string& AssetContentSecurityPolicy() {
  static const std::string policy =
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; "
      "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
  return policy;
}

void ServeFile(const WebFile& file, const httplib::Request& req, httplib::Response& res) {
  ApplySecurityHeaders(res, AssetContentSecurityPolicy());
  res.set_header("ETag", file.etag);
  res.set_header("Vary", "Accept-Encoding");
  res.set_header("Cache-Control",
                 file.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (req.get_header_value("If-None-Match") == file.etag) {
    res.status = 304;
    return;
  }
  if (!file.brotli.empty() && Accepts(req, "br")) {
    res.set_header("Content-Encoding", "br");
    return ReplyBytes(res, 200, file.brotli, file.content_type);
  }
  if (!file.gzip.empty() && Accepts(req, "gzip")) {
    res.set_header("Content-Encoding", "gzip");
    return ReplyBytes(res, 200, file.gzip, file.content_type);
  }
  ReplyBytes(res, 200, file.content, file.content_type);
}

void ServeExamPage(const WebAssets& assets, httplib::Response& res) {
  const WebFile* page = assets.Find("exam.html");
  const std::string nonce = exam::NewSecret("").substr(0, 22);
  std::string html = page->content;
  for (auto pos = html.find("{{CSP_NONCE}}"); pos != std::string::npos;
       pos = html.find("{{CSP_NONCE}}", pos + nonce.size())) {
    html.replace(pos, 13, nonce);
  }
  ApplySecurityHeaders(res, PageContentSecurityPolicy(nonce));
  res.set_header("Cache-Control", "no-store");
  ReplyBytes(res, 200, std::move(html), "text/html; charset=utf-8");
}

}  // namespace

std::string MimeTypeFor(const std::string& path) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".wasm", "application/wasm"},
      {".zip", "application/zip"},
      {".whl", "application/zip"},
      {".tar", "application/x-tar"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".py", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
  };
  const std::string extension = std::filesystem::path(path).extension().string();
  auto found = types.find(extension);
  return found == types.end() ? "application/octet-stream" : found->second;
}

exam::Result<WebAssets> WebAssets::Load(const std::filesystem::path& root) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(root / "exam.html", error)) {
    return exam::InvalidArgument(fmt::format(
        "web root {} has no exam.html; build the web pages (scripts/setup) or pass --web-root",
        root.string()));
  }
  WebAssets assets;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root, error)) {
    if (!entry.is_regular_file()) {
      continue;
    }
    const std::string path = std::filesystem::relative(entry.path(), root).generic_string();
    const std::string extension = entry.path().extension().string();
    if (extension == ".br" || extension == ".gz") {
      continue;
    }
    WebFile file;
    file.content = ReadFile(entry.path());
    file.content_type = MimeTypeFor(path);
    file.etag = "\"" + exam::Sha256Hex(file.content).substr(0, 32) + "\"";
    file.immutable = IsImmutablePath(path);
    if (std::filesystem::exists(entry.path().string() + ".br")) {
      file.brotli = ReadFile(entry.path().string() + ".br");
    }
    if (std::filesystem::exists(entry.path().string() + ".gz")) {
      file.gzip = ReadFile(entry.path().string() + ".gz");
    }
    assets.total_bytes_ += file.content.size() + file.brotli.size() + file.gzip.size();
    assets.files_.emplace(path, std::move(file));
  }
  if (error) {
    return exam::InvalidArgument(
        fmt::format("cannot read web root {}: {}", root.string(), error.message()));
  }
  return assets;
}

const WebFile* WebAssets::Find(const std::string& path) const {
  auto found = files_.find(path);
  return found == files_.end() ? nullptr : &found->second;
}

std::vector<Route> StaticRoutes(ServerContext& context) {
  return {
      {"GET", "/exam", "/exam", Access::kPublic, {},
       [&context](const httplib::Request&, httplib::Response& res, const Caller&) {
         ServeExamPage(context.assets, res);
       }},
      {"GET", R"(/((?:assets|pyodide)/[A-Za-z0-9._/-]+))", "/{asset}", Access::kPublic, {},
       [&context](const httplib::Request& req, httplib::Response& res, const Caller&) {
         const std::string path = req.matches[1].str();
         const WebFile* file =
             path.find("..") == std::string::npos ? context.assets.Find(path) : nullptr;
         if (!file) {
           return ReplyError(res, exam::NotFound(fmt::format("no file {}", path)), context.log);
         }
         ServeFile(*file, req, res);
       }},
      {"GET", "/", "/", Access::kPublic, {},
       [](const httplib::Request&, httplib::Response& res, const Caller&) {
         ApplySecurityHeaders(res, ApiContentSecurityPolicy());
         ReplyBytes(res, 200,
                    "Examination Center\n\nStudents: open the invite link you were sent.\n"
                    "Staff: use examctl with an API token.\n",
                    "text/plain; charset=utf-8");
       }},
      {"GET", "/healthz", "/healthz", Access::kPublic, {},
       [](const httplib::Request&, httplib::Response& res, const Caller&) {
         ReplyJson(res, 200, {{"status", "ok"}});
       }},
  };
}

}  // namespace examd
