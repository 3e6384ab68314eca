#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) zonekit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: image
short_description: Manage zonekit images
version_added: 0.1.0
description:
  - Import and delete zone images on a zonekit host. An image is imported
    once, under the uuid given, from a rootfs tarball, a directory, an OCI
    image layout or a C(docker save) tarball on the managed host; zone
    manifests name it by that uuid (C(image_uuid)).
  - Modelled on C(community.general.imgadm); I(uuid), I(source) and I(state)
    mean what they mean there, but I(source) is a file or directory, not an
    image server (zonekit hosts have no image server).
  - State present runs C(zoneadm apply -j) on an image document (C(kind=image)), so
    check mode and the diff come from C(zoneadm apply -n -j).
author:
  - zonekit maintainers (@zonekit)
requirements:
  - zonekit's zoneadm and imgadm on the managed host
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  uuid:
    description:
      - The image's uuid.
    type: str
    required: true
  source:
    description:
      - What to import when the image is not there yet. Required then.
    type: path
  name:
    description:
      - The image's name (default, from the source).
    type: str
  version:
    description:
      - The image's version.
    type: str
  state:
    description:
      - C(present) (or C(imported)) imports the image unless it is there;
        C(absent) (or C(deleted)) deletes it (refused while zones use it).
    type: str
    default: present
    choices: [present, imported, absent, deleted]
seealso:
  - module: zonekit.zones.zone
'''

EXAMPLES = r'''
- name: Import a busybox rootfs under a fixed uuid
  zonekit.zones.image:
    uuid: 934cfbe5-60c6-4a40-a33e-a33e62d33681
    source: /srv/images/busybox.tar.gz
    name: busybox
    version: "1.35"

- name: A zone running it
  zonekit.zones.zone:
    name: bb1
    manifest:
      image_uuid: 934cfbe5-60c6-4a40-a33e-a33e62d33681

- name: Delete the image
  zonekit.zones.image:
    uuid: 934cfbe5-60c6-4a40-a33e-a33e62d33681
    state: absent
'''

RETURN = r'''
plan:
  description: The JSON plan of C(zoneadm apply -j) (see zoneadm(8)).
  returned: when state is present or imported
  type: dict
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.zonekit.zones.plugins.module_utils.zonekit import (
    NOT_FOUND, apply_document, diff_of)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            uuid=dict(type='str', required=True),
            source=dict(type='path'),
            name=dict(type='str'),
            version=dict(type='str'),
            state=dict(type='str', default='present', choices=['present', 'imported', 'absent', 'deleted']),
        ),
        supports_check_mode=True,
    )
    p = module.params
    uuid = p['uuid'].lower()
    if p['state'] in ('absent', 'deleted'):
        imgadm = module.get_bin_path('imgadm', required=True)
        rc, out, err = module.run_command([imgadm, 'get', uuid])
        if rc == NOT_FOUND:
            module.exit_json(changed=False)
        if rc != 0:
            module.fail_json(msg='imgadm get %s: %s' % (uuid, err.strip()), rc=rc)
        if not module.check_mode:
            rc, out, err = module.run_command([imgadm, 'delete', uuid])
            if rc != 0:
                module.fail_json(msg='imgadm delete %s: %s' % (uuid, err.strip()), rc=rc)
        module.exit_json(changed=True, diff={'before': {'present': True}, 'after': {'present': False}})

    doc = {'kind': 'image', 'uuid': uuid}
    if p['source']:
        doc['source'] = os.path.abspath(p['source'])
    for key in ('name', 'version'):
        if p[key]:
            doc[key] = p[key]
    plan = apply_document(module, doc, 'ansible')
    module.exit_json(changed=bool(plan.get('changed')), plan=plan, diff=diff_of(plan, 'image %s' % uuid))


if __name__ == '__main__':
    main()
