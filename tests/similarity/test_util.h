// Helpers shared by the similarity tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "exam/similarity/analysis.h"

namespace similarity_test {

inline std::string ReadData(const std::string& relative) {
  std::ifstream in(std::string(SIMILARITY_TEST_DATA) + "/" + relative, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Returns the pair of students `a` and `b` in `report`, or nullptr.
inline const exam::similarity::PairResult* FindPair(
    const exam::similarity::SimilarityReport& report, const std::string& a, const std::string& b) {
  for (const auto& pair : report.pairs) {
    const std::string& left = report.submissions[pair.left].student;
    const std::string& right = report.submissions[pair.right].student;
    if ((left == a && right == b) || (left == b && right == a)) {
      return &pair;
    }
  }
  return nullptr;
}

inline double SimilarityOf(const exam::similarity::SimilarityReport& report, const std::string& a,
                           const std::string& b) {
  const auto* pair = FindPair(report, a, b);
  return pair == nullptr ? 0.0 : pair->similarity;
}

// A fresh folder under the system temp folder, removed at scope exit.
class TempFolder {
 public:
  TempFolder() {
    std::random_device seed;
    path_ = std::filesystem::temp_directory_path() /
            ("similarity-test-" + std::to_string(seed()) + std::to_string(seed()));
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

  std::filesystem::path Write(const std::string& relative, const std::string& content) const {
    const auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace similarity_test
