#pragma once
// Shared Boost.Program_options plumbing: every command rejects unknown options with the closest
// known name.
#include <boost/program_options.hpp>

#include <string>
#include <vector>

namespace lossbench::cli {

// Parses args into vm (and notifies); positional names take the remaining arguments, each
// repeatable. Throws boost::program_options::error with a suggestion for unknown options.
void parse_or_throw(const std::vector<std::string>& args,
                    const boost::program_options::options_description& desc,
                    const std::vector<std::string>& positional,
                    boost::program_options::variables_map& vm);

// The same without notify (so that an INI file can be stored under it), parsing with `parse_with`
// and suggesting names from `suggest_from` (which leaves out internal options).
void store_command_line(const std::vector<std::string>& args,
                        const boost::program_options::options_description& parse_with,
                        const boost::program_options::options_description& suggest_from,
                        const std::vector<std::string>& positional,
                        boost::program_options::variables_map& vm);

}  // namespace lossbench::cli
