// Reading submissions from disk for an offline similarity run. A folder holds
// one file or one sub-folder per student; several folders (say, this term and
// last term) or single files can be given together. Safe to call from any
// thread; it touches nothing but the paths it is given.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exam/error.h"
#include "exam/similarity/notice.h"
#include "exam/similarity/progress.h"
#include "exam/similarity/submission.h"

namespace exam::similarity {

struct LoadOptions {
  // Files larger than this are skipped with a notice. 2 MiB is far above any
  // hand-written exam answer and keeps one stray data file from dominating.
  std::uintmax_t max_file_bytes = 2u << 20;
  // File name extensions that hold code of the language being compared.
  std::vector<std::string> extensions = {".py"};
};

struct LoadedSubmissions {
  std::vector<Submission> submissions;  // in the order of the paths, students sorted by name
  std::vector<Notice> notices;          // skipped files and students, with the reason
  std::vector<std::string> unreadable_students;  // students skipped for lack of a readable file
};

// Reads the students under `paths`.
// - A folder: each regular file with a listed extension is one student named
//   after the file without its extension; each sub-folder is one student named
//   after the folder, whose files (searched recursively) are concatenated in
//   path order. Names starting with "." and "__pycache__" folders are ignored.
// - A file: one student named after the file without its extension.
// When more than one folder is given, each student name is prefixed with its
// folder ("fall/alice"), so students from different terms never collide.
// Returns kNotFound when a path does not exist and kInvalidArgument when no
// path is given. Unreadable, binary, oversized and other-language files are
// skipped with a notice; so is a student left with no file.
Result<LoadedSubmissions> LoadSubmissions(const std::vector<std::string>& paths,
                                          const LoadOptions& options,
                                          ProgressObserver* progress = nullptr);

// Reads base (starter) files. Unlike LoadSubmissions, any problem is an error,
// since silently comparing without the starter code would flag every student.
Result<std::vector<SourceFile>> LoadBaseFiles(const std::vector<std::string>& paths,
                                              const LoadOptions& options);

}  // namespace exam::similarity
