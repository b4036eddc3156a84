// Reading students' files from folders. Every file that is looked at and not
// used gets a notice, so the counts in a report always add up.
#include "exam/similarity/loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "exam/similarity/source_text.h"

namespace exam::similarity {
namespace fs = std::filesystem;

namespace {

bool IsIgnoredName(const fs::path& path) {
  const std::string name = path.filename().string();
  return name.starts_with(".") || name == "__pycache__";
}

bool HasExtension(const fs::path& path, const LoadOptions& options) {
  const std::string extension = path.extension().string();
  return std::find(options.extensions.begin(), options.extensions.end(), extension) !=
         options.extensions.end();
}

std::string FormatBytes(std::uintmax_t bytes) {
  if (bytes >= (1u << 20)) {
    return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1u << 20));
  }
  return fmt::format("{} KiB", (bytes + 1023) / 1024);
}

// Reads one file for a student, or adds a notice saying why it was skipped.
std::optional<SourceFile> ReadStudentFile(const fs::path& path, const std::string& student,
                                          const LoadOptions& options,
                                          std::vector<Notice>& notices) {
  const std::string shown = path.string();
  const auto skip = [&](std::string message) {
    notices.push_back({NoticeSeverity::kSkipped, student, shown, 0, std::move(message)});
    return std::nullopt;
  };

  std::error_code error;
  const std::uintmax_t size = fs::file_size(path, error);
  if (error) {
    return skip(fmt::format("cannot read: {}", error.message()));
  }
  if (size > options.max_file_bytes) {
    return skip(
        fmt::format("file is {}, larger than the limit of {}; raise --max-file-size to "
                    "include it",
                    FormatBytes(size), FormatBytes(options.max_file_bytes)));
  }

  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return skip(fmt::format("cannot read: {}", std::strerror(errno)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    return skip(fmt::format("cannot read: {}", std::strerror(errno)));
  }
  std::string text = std::move(buffer).str();
  if (LooksBinary(text)) {
    return skip("binary file (contains NUL bytes), not source code");
  }
  return SourceFile{shown, std::move(text)};
}

// Collects a student's files under `folder` in path order.
std::vector<fs::path> ListFolder(const fs::path& folder, const std::string& student,
                                 const LoadOptions& options, std::vector<Notice>& notices) {
  std::vector<fs::path> files;
  std::error_code error;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, error);
  if (error) {
    notices.push_back({NoticeSeverity::kSkipped, student, folder.string(), 0,
                       fmt::format("cannot list folder: {}", error.message())});
    return files;
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) {
      notices.push_back({NoticeSeverity::kSkipped, student, folder.string(), 0,
                         fmt::format("cannot list folder: {}", error.message())});
      break;
    }
    const fs::path& path = it->path();
    if (IsIgnoredName(path)) {
      if (it->is_directory(error)) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (!it->is_regular_file(error)) {
      if (!it->is_directory(error)) {
        notices.push_back({NoticeSeverity::kSkipped, student, path.string(), 0,
                           "cannot read: not a regular file (a broken link?)"});
      }
      continue;
    }
    if (!HasExtension(path, options)) {
      notices.push_back({NoticeSeverity::kSkipped, student, path.string(), 0,
                         "not a source file of the compared language (by its extension)"});
      continue;
    }
    files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct StudentEntry {
  std::string label;
  std::vector<fs::path> files;
  fs::path origin;  // the student's file or folder, for notices
};

// Lists the students of one folder given on the command line.
std::vector<StudentEntry> ListStudents(const fs::path& folder, const std::string& prefix,
                                       const LoadOptions& options, std::vector<Notice>& notices) {
  std::vector<StudentEntry> students;
  std::error_code error;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    entries.push_back(*it);
  }
  if (error) {
    notices.push_back({NoticeSeverity::kSkipped, "", folder.string(), 0,
                       fmt::format("cannot list folder: {}", error.message())});
  }
  std::sort(entries.begin(), entries.end());

  for (const fs::directory_entry& entry : entries) {
    const fs::path& path = entry.path();
    if (IsIgnoredName(path)) {
      continue;
    }
    if (entry.is_directory(error)) {
      const std::string label = prefix + path.filename().string();
      students.push_back({label, ListFolder(path, label, options, notices), path});
    } else if (entry.is_regular_file(error)) {
      const std::string label = prefix + path.stem().string();
      if (!HasExtension(path, options)) {
        notices.push_back({NoticeSeverity::kSkipped, "", path.string(), 0,
                           "not a source file of the compared language (by its extension)"});
        continue;
      }
      students.push_back({label, {path}, path});
    } else {
      notices.push_back({NoticeSeverity::kSkipped, "", path.string(), 0,
                         "cannot read: not a regular file or folder (a broken link?)"});
    }
  }
  return students;
}

std::string FolderPrefix(const fs::path& folder) {
  std::string name = folder.lexically_normal().string();
  while (name.size() > 1 && name.back() == '/') {
    name.pop_back();
  }
  return name + "/";
}

}  // namespace

Result<LoadedSubmissions> LoadSubmissions(const std::vector<std::string>& paths,
                                          const LoadOptions& options, ProgressObserver* progress) {
  if (paths.empty()) {
    return InvalidArgument(
        "no submissions given; pass a folder with one file or folder per "
        "student, or the students' files");
  }

  std::size_t folders = 0;
  for (const std::string& path : paths) {
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    if (error || !fs::exists(status)) {
      return NotFound(fmt::format("{}: no such file or folder", path));
    }
    if (fs::is_directory(status)) {
      ++folders;
    }
  }

  LoadedSubmissions loaded;
  std::vector<StudentEntry> students;
  for (const std::string& path : paths) {
    if (fs::is_directory(path)) {
      const std::string prefix = folders > 1 ? FolderPrefix(path) : "";
      std::vector<StudentEntry> listed = ListStudents(path, prefix, options, loaded.notices);
      std::move(listed.begin(), listed.end(), std::back_inserter(students));
    } else {
      const fs::path file(path);
      students.push_back({file.stem().string(), {file}, file});
    }
  }

  // Two given files with the same name ("a/main.py", "b/main.py") are labelled
  // by their path instead.
  std::map<std::string, int> uses;
  for (const StudentEntry& student : students) {
    ++uses[student.label];
  }
  for (StudentEntry& student : students) {
    if (uses[student.label] > 1) {
      student.label = student.origin.lexically_normal().string();
    }
  }

  std::size_t done = 0;
  std::size_t total = 0;
  for (const StudentEntry& student : students) {
    total += student.files.size();
  }
  for (StudentEntry& student : students) {
    Submission submission;
    submission.student = student.label;
    for (const fs::path& path : student.files) {
      if (auto file = ReadStudentFile(path, student.label, options, loaded.notices)) {
        submission.files.push_back(std::move(*file));
      }
      if (progress != nullptr) {
        progress->Update("reading files", ++done, total);
      }
    }
    if (submission.files.empty()) {
      loaded.notices.push_back({NoticeSeverity::kSkipped, student.label, student.origin.string(), 0,
                                "student skipped: no readable source file"});
      loaded.unreadable_students.push_back(student.label);
      continue;
    }
    loaded.submissions.push_back(std::move(submission));
  }
  return loaded;
}

Result<std::vector<SourceFile>> LoadBaseFiles(const std::vector<std::string>& paths,
                                              const LoadOptions& options) {
  std::vector<SourceFile> files;
  for (const std::string& path : paths) {
    std::error_code error;
    if (!fs::is_regular_file(path, error)) {
      return NotFound(
          fmt::format("base file {}: no such file; --base takes a file of starter "
                      "code",
                      path));
    }
    std::vector<Notice> notices;
    std::optional<SourceFile> file = ReadStudentFile(path, "", options, notices);
    if (!file) {
      return InvalidArgument(fmt::format("base file {}: {}", path, notices.back().message));
    }
    files.push_back(std::move(*file));
  }
  return files;
}

}  // namespace exam::similarity
