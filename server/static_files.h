// The web root: the bundled pages, their assets and Pyodide, read into memory
// once at start-up. Files are served as built, with the precompressed .br or
// .gz sibling when the client accepts it, so nothing is compressed per
// request. Immutable after Load; safe to share between threads.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "exam/error.h"

namespace examd {

struct WebFile {
  std::string content;
  std::string brotli;  // precompressed variant, or empty
  std::string gzip;    // precompressed variant, or empty
  std::string content_type;
  std::string etag;    // strong validator: quoted SHA-256 prefix of content
  bool immutable = false;  // content-hashed or versioned path: cache for a year
};

class WebAssets {
 public:
  // Reads every file under `root`. Fails when `root` is not a folder or has
  // no exam.html.
  static exam::Result<WebAssets> Load(const std::filesystem::path& root);

  // Returns the file at `path` relative to the root ("assets/exam-1a2b3c4d.js"),
  // or nullptr.
  const WebFile* Find(const std::string& path) const;

  std::size_t file_count() const { return files_.size(); }
  std::size_t total_bytes() const { return total_bytes_; }

 private:
  std::map<std::string, WebFile> files_;
  std::size_t total_bytes_ = 0;
};

// Returns the MIME type for a file name, by extension.
std::string MimeTypeFor(const std::string& path);

}  // namespace examd
