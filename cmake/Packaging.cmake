# CPack: a Debian package of everything `cmake --install` lays out.
# `cpack -G DEB` in the build directory writes zonekit_<version>_<arch>.deb.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME zonekit)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "zonekit")
set(CPACK_PACKAGE_CONTACT "zonekit maintainers <maintainers@zonekit.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SmartOS/illumos-style zones on Linux")
set(CPACK_PACKAGE_DESCRIPTION
  "zonekit creates isolated containers (zones) from a JSON or YAML manifest, gives each one a network identity it keeps for life, and boots, halts and deletes them with zoneadm, zonecfg, zlogin, nicadm and imgadm. There is no central daemon: each running zone has its own small supervisor.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://zonekit.invalid/")
# Depends: the shared libraries the binaries really link, via dpkg-shlibdeps
# (package dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")

# The Ansible collection zonekit.zones (contrib/ansible), in Ansible's
# system collection path, so that ansible-playbook finds it once the
# package is installed.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/contrib/ansible/ansible_collections/zonekit/zones
        DESTINATION ${CMAKE_INSTALL_DATADIR}/ansible/collections/ansible_collections/zonekit
        PATTERN __pycache__ EXCLUDE PATTERN output EXCLUDE)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "${CPACK_DEBIAN_PACKAGE_SUGGESTS}, ansible-core")
# `cmake --build build --target ansible-collection` builds the collection
# as a tarball for ansible-galaxy (build/zonekit-zones-<version>.tar.gz).
find_program(ANSIBLE_GALAXY ansible-galaxy)
if(ANSIBLE_GALAXY)
  add_custom_target(ansible-collection
    COMMAND ${ANSIBLE_GALAXY} collection build --force --output-path ${CMAKE_BINARY_DIR}
            ${CMAKE_SOURCE_DIR}/contrib/ansible/ansible_collections/zonekit/zones
    COMMENT "Building the zonekit.zones Ansible collection"
    VERBATIM)
endif()

include(CPack)
