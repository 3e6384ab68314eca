# -*- coding: utf-8 -*-
# Copyright (c) zonekit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared by the zonekit modules: run `zoneadm apply -j` on a set of one
document, turn its JSON plan into Ansible's changed, diff and results."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import shutil
import tempfile

# zoneadm's exit status: 3 is "no such zone (image, tag)".
NOT_FOUND = 3


def apply_document(module, doc, set_name, replace=False):
    """Run zoneadm apply on one document; -n in check mode. Returns the
    JSON plan (with, after a real run, each step's status and the zones'
    uuid, IPs and MACs). Fails the module with zoneadm's messages."""
    zoneadm = module.get_bin_path('zoneadm', required=True)
    workdir = tempfile.mkdtemp(prefix='zonekit-apply-')
    try:
        with open(os.path.join(workdir, 'manifest.json'), 'w') as f:
            json.dump(doc, f)
        cmd = [zoneadm, 'apply', '-j', '--set', set_name]
        if module.check_mode:
            cmd.append('-n')
        if replace:
            cmd.append('--replace')
        cmd.append(workdir)
        rc, out, err = module.run_command(cmd)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    plan = None
    try:
        plan = json.loads(out) if out.strip() else None
    except ValueError:
        plan = None
    if rc != 0:
        problems = (plan or {}).get('problems', [])
        if module.check_mode and problems and all(missing_dependency(p) for p in problems):
            # A nic tag or image an earlier task of the play would create:
            # check mode runs none of them, so the plan is what would run.
            for p in problems:
                module.warn('check mode: %s (assuming an earlier task provides it)' % p.get('text'))
            return plan
        texts = [p.get('text') for p in problems]
        msg = '; '.join(texts) if texts else (err.strip() or 'zoneadm apply failed')
        module.fail_json(msg=msg, rc=rc, stderr=err, plan=plan)
    return plan


def missing_dependency(problem):
    """A problem that only says a nic tag or an image is not there (yet)."""
    path = problem.get('path', '')
    message = problem.get('message', '')
    if re.match(r'^nics\[\d+\]\.nic_tag$', path):
        return 'is not a nic tag on this host' in message
    return path == 'image_uuid' and 'is not imported' in message


def first_item(plan, kind):
    for item in plan.get('items', []):
        if item.get('kind') == kind:
            return item
    return {}


def diff_of(plan, name):
    """before/after dicts from the plan's changes (secrets already masked)."""
    before, after = {}, {}
    for item in plan.get('items', []):
        for change in item.get('changes', []):
            before[change['key']] = change.get('from')
            after[change['key']] = change.get('to')
        state = item.get('state') or {}
        if 'boot' in item.get('actions', []) or 'halt' in item.get('actions', []):
            before['state'] = state.get('from')
            after['state'] = 'running' if 'boot' in item.get('actions', []) else 'stopped'
        if 'create' in item.get('actions', []) and not item.get('changes'):
            after['present'] = True
    return {'before_header': name, 'after_header': name, 'before': before, 'after': after}


# Maps whose members are free-form data, never coerced.
FREE_MAPS = ('customer_metadata', 'internal_metadata', 'tags', 'routes')


def coerce_templated(module, zoneadm, value, path='', cache=None):
    """Jinja renders numbers and booleans inside a dictionary as text
    ("512", "True"): turn such text back into an integer or a boolean
    where zoneadm's schema (zoneadm explain) says the property is one."""
    cache = {} if cache is None else cache
    if isinstance(value, dict):
        if path in FREE_MAPS:
            return value
        return dict((k, coerce_templated(module, zoneadm, v, k if not path else path + '.' + k, cache))
                    for k, v in value.items())
    if isinstance(value, list):
        return [coerce_templated(module, zoneadm, v, path, cache) for v in value]
    if not isinstance(value, str) or not path or not re.match(r'^(-?[0-9]+|[Tt]rue|[Ff]alse)$', value):
        return value
    if path not in cache:
        rc, out, err = module.run_command([zoneadm, 'explain', path])
        match = re.search(r'^  type: ([a-z]+)', out, re.M) if rc == 0 else None
        cache[path] = match.group(1) if match else None
    if cache[path] == 'integer' and re.match(r'^-?[0-9]+$', value):
        return int(value)
    if cache[path] == 'boolean' and value.lower() in ('true', 'false'):
        return value.lower() == 'true'
    return value
