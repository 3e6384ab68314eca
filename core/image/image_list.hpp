// Output of `imgadm list`: a table, parseable lines or JSON. Pure.
#pragma once

#include <string>
#include <vector>

#include "core/image/image_store.hpp"
#include "core/sys/result.hpp"

namespace zonekit::image {

// uuid name version type size created source source_digest
const std::vector<std::string>& list_fields();
const std::vector<std::string>& default_list_fields();  // uuid name version type size created
// "uuid,name" -> fields; an unknown name is Invalid, naming the valid ones.
Result<std::vector<std::string>> parse_list_fields(const std::string& csv);

// "512B", "1.5K", "12.3M", "2.0G": the table's SIZE column.
std::string human_size(uint64_t bytes);

// Aligned columns with an upper-case header line (unless !header).
std::string format_table(const std::vector<ImageInfo>& images, const std::vector<std::string>& fields, bool header);
// One line per image, fields joined by ':', with ':' and '\' escaped as
// '\:' and '\\'. SIZE in bytes; an empty value stays empty.
std::string format_parsable(const std::vector<ImageInfo>& images, const std::vector<std::string>& fields);
// A JSON array of image objects limited to fields ("size" is "size_bytes");
// no fields: the whole image.json objects.
std::string format_json(const std::vector<ImageInfo>& images, const std::vector<std::string>& fields);

}  // namespace zonekit::image
