#include "exam/similarity/loader.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "test_util.h"

namespace {

using namespace exam::similarity;
using similarity_test::TempFolder;

bool HasNotice(const LoadedSubmissions& loaded, const std::string& path_part,
               const std::string& message_part) {
  for (const Notice& notice : loaded.notices) {
    if (notice.path.find(path_part) != std::string::npos &&
        notice.message.find(message_part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

LoadedSubmissions Load(const std::vector<std::string>& paths, LoadOptions options = {}) {
  auto result = LoadSubmissions(paths, options);
  REQUIRE(result.ok());
  return std::move(result).value();
}

}  // namespace

TEST_CASE("folder with files and sub-folders") {
  TempFolder folder;
  folder.Write("alice.py", "a = 1\n");
  folder.Write("bob/part2.py", "second\n");
  folder.Write("bob/part1.py", "first\n");
  folder.Write("bob/sub/part3.py", "third\n");
  const LoadedSubmissions loaded = Load({folder.path().string()});
  REQUIRE(loaded.submissions.size() == 2);
  CHECK(loaded.submissions[0].student == "alice");
  CHECK(loaded.submissions[1].student == "bob");
  REQUIRE(loaded.submissions[1].files.size() == 3);
  CHECK(loaded.submissions[1].files[0].text == "first\n");
  CHECK(loaded.submissions[1].files[1].text == "second\n");
  CHECK(loaded.submissions[1].files[2].text == "third\n");
}

TEST_CASE("hidden entries and caches are ignored") {
  TempFolder folder;
  folder.Write("alice.py", "a = 1\n");
  folder.Write(".DS_Store", "x");
  folder.Write("bob/__pycache__/main.cpython-311.py", "cached\n");
  folder.Write("bob/main.py", "b = 2\n");
  const LoadedSubmissions loaded = Load({folder.path().string()});
  REQUIRE(loaded.submissions.size() == 2);
  CHECK(loaded.submissions[1].files.size() == 1);
  CHECK(loaded.notices.empty());
}

TEST_CASE("bad files are skipped with a notice") {
  TempFolder folder;
  folder.Write("good.py", "a = 1\n");
  folder.Write("binary.py", std::string("\x7f"
                                        "ELF\0\0\0",
                                        7));
  folder.Write("huge.py", std::string(3000, 'x'));
  folder.Write("notes.txt", "not code");
  folder.Write("carol/readme.md", "only docs");
  std::filesystem::create_symlink(folder.path() / "missing-target.py",
                                  folder.path() / "dangling.py");
  LoadOptions options;
  options.max_file_bytes = 2048;
  const LoadedSubmissions loaded = Load({folder.path().string()}, options);
  REQUIRE(loaded.submissions.size() == 1);
  CHECK(loaded.submissions[0].student == "good");
  CHECK(HasNotice(loaded, "binary.py", "binary"));
  CHECK(HasNotice(loaded, "huge.py", "--max-file-size"));
  CHECK(HasNotice(loaded, "notes.txt", "not a source file"));
  CHECK(HasNotice(loaded, "readme.md", "not a source file"));
  CHECK(HasNotice(loaded, "carol", "no readable source file"));
  CHECK(HasNotice(loaded, "dangling.py", "cannot read"));
  // Every student that was seen is accounted for.
  CHECK(loaded.unreadable_students.size() == 3);
}

TEST_CASE("several folders prefix student names") {
  TempFolder folder;
  folder.Write("fall/alice.py", "a = 1\n");
  folder.Write("spring/alice.py", "a = 2\n");
  const LoadedSubmissions loaded =
      Load({(folder.path() / "fall").string(), (folder.path() / "spring").string() + "/"});
  REQUIRE(loaded.submissions.size() == 2);
  CHECK(loaded.submissions[0].student != loaded.submissions[1].student);
  CHECK(loaded.submissions[0].student.ends_with("fall/alice"));
  CHECK(loaded.submissions[1].student.ends_with("spring/alice"));
}

TEST_CASE("list of files names students by file") {
  TempFolder folder;
  const auto a = folder.Write("x/main.py", "a = 1\n");
  const auto b = folder.Write("y/main.py", "b = 1\n");
  const auto c = folder.Write("carol.py", "c = 1\n");
  const LoadedSubmissions loaded = Load({a.string(), b.string(), c.string()});
  REQUIRE(loaded.submissions.size() == 3);
  CHECK(loaded.submissions[0].student != loaded.submissions[1].student);
  CHECK(loaded.submissions[2].student == "carol");
}

TEST_CASE("missing path is not found") {
  auto result = LoadSubmissions({"/nonexistent/similarity/folder"}, {});
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == exam::ErrorCode::kNotFound);
  CHECK(result.error().message.find("/nonexistent/similarity/folder") != std::string::npos);
}

TEST_CASE("no paths is invalid") {
  auto result = LoadSubmissions({}, {});
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == exam::ErrorCode::kInvalidArgument);
}

TEST_CASE("base files must exist") {
  TempFolder folder;
  const auto starter = folder.Write("starter.py", "def f():\n    pass\n");
  auto ok = LoadBaseFiles({starter.string()}, {});
  REQUIRE(ok.ok());
  CHECK(ok->size() == 1);
  auto missing = LoadBaseFiles({(folder.path() / "nope.py").string()}, {});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("nope.py") != std::string::npos);
}
