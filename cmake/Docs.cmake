# Man pages, shell completions and the systemd unit: build-time generation
# and install rules. Included at the end of the top-level CMakeLists.txt.

set(ZONEKIT_MAN_PAGES
  man/zlogin.1 man/zonestat.1 man/mdata-get.1 man/mdata-list.1 man/mdata-put.1 man/mdata-delete.1
  man/zonekit.toml.5
  man/imgadm.8 man/nicadm.8 man/zoneadm.8 man/zoneadmd.8 man/zonecfg.8)
foreach(page IN LISTS ZONEKIT_MAN_PAGES)
  string(REGEX MATCH "[0-9]$" section ${page})
  install(FILES ${CMAKE_SOURCE_DIR}/${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()

# zone-manifest(5) is generated from the manifest schema at build time.
if(EXISTS ${CMAKE_SOURCE_DIR}/core/manifest/docs.hpp)
  add_executable(zk-gen-manpage ${CMAKE_SOURCE_DIR}/cmake/gen_manpage.cpp)
  target_link_libraries(zk-gen-manpage PRIVATE zonekit_manifest)
  set_target_properties(zk-gen-manpage PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools)
  set(_manifest_page ${CMAKE_BINARY_DIR}/man/zone-manifest.5)
  add_custom_command(
    OUTPUT ${_manifest_page}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND zk-gen-manpage > ${_manifest_page}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${_manifest_page}.tmp ${_manifest_page}
    DEPENDS zk-gen-manpage
    COMMENT "Generating zone-manifest(5) from the manifest schema"
    VERBATIM)
  add_custom_target(zone-manifest-man ALL DEPENDS ${_manifest_page})
  install(FILES ${_manifest_page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
endif()

# One adaptor per shell, installed under each tool's name where that shell
# looks by convention; the candidates come from `TOOL __complete`.
set(ZONEKIT_COMPLETION_TOOLS zoneadm zonecfg nicadm zlogin imgadm zonestat)
foreach(tool IN LISTS ZONEKIT_COMPLETION_TOOLS)
  install(FILES ${CMAKE_SOURCE_DIR}/completions/zonekit.bash
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ${tool})
  install(FILES ${CMAKE_SOURCE_DIR}/completions/zonekit.zsh
          DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions RENAME _${tool})
  install(FILES ${CMAKE_SOURCE_DIR}/completions/zonekit.fish
          DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d RENAME ${tool}.fish)
endforeach()

# systemd unit: lib/systemd/system under the prefix (Debian's unit dir for
# /usr). Its ExecStart names bindir under the prefix used at install time,
# which CPack sets to /usr, so the unit is written during install, straight
# into the destination: the build tree may be read-only at install time.
set(ZONEKIT_SYSTEMD_UNIT_DIR lib/systemd/system CACHE STRING "where the systemd unit is installed, relative to the prefix")
install(CODE "set(_zk_unit_in [[${CMAKE_SOURCE_DIR}/packaging/zonekit-autoboot.service.in]])
set(_zk_unit_dir [[${ZONEKIT_SYSTEMD_UNIT_DIR}]])
set(_zk_bindir [[${CMAKE_INSTALL_BINDIR}]])")
install(CODE [[
  if(IS_ABSOLUTE "${_zk_bindir}")
    set(ZONEKIT_BINDIR "${_zk_bindir}")
  else()
    set(ZONEKIT_BINDIR "${CMAKE_INSTALL_PREFIX}/${_zk_bindir}")
  endif()
  if(IS_ABSOLUTE "${_zk_unit_dir}")
    set(_zk_unit_out "$ENV{DESTDIR}${_zk_unit_dir}/zonekit-autoboot.service")
  else()
    set(_zk_unit_out "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${_zk_unit_dir}/zonekit-autoboot.service")
  endif()
  message(STATUS "Installing: ${_zk_unit_out}")
  configure_file("${_zk_unit_in}" "${_zk_unit_out}" @ONLY)
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${_zk_unit_out}")
]])
