"""Checkpoints and the ``last_checkpoint`` pointer written atomically."""
import os
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook

from ...registry import HOOKS, register_into


def replace_durably(tmp_path: str, path: str) -> None:
    """Move the complete file ``tmp_path`` onto ``path`` in one step.

    The data of ``tmp_path`` is flushed to disk (``fsync``) before the rename
    (``os.replace``, atomic within a file system) and the folder is flushed after
    it, so ``path`` is, even after a crash or a power loss, either its old or its
    new content, never a part of it.
    """
    with open(tmp_path, 'rb') as f:
        os.fsync(f.fileno())
    os.replace(tmp_path, path)
    folder = os.open(osp.dirname(osp.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def write_text_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it."""
    tmp_path = osp.join(osp.dirname(path), f'.{osp.basename(path)}.tmp')
    try:
        with open(tmp_path, 'w', encoding='utf-8') as f:
            f.write(text)
        replace_durably(tmp_path, path)
    finally:
        if osp.exists(tmp_path):
            os.remove(tmp_path)


@register_into(*HOOKS)
class AtomicCheckpointHook(CheckpointHook):
    """Mmengine's :class:`CheckpointHook` whose writes cannot be left half done.

    Every checkpoint ``iter_<k>.pth`` / ``epoch_<k>.pth`` is written to
    ``.<name>.tmp`` in the same folder, flushed to disk and renamed; only then is
    the ``last_checkpoint`` pointer replaced, also through a temporary file. A
    process killed while saving, or a full disk, leaves the previous checkpoint and
    a pointer to it (a checkpoint beyond ``max_keep_ckpts`` is deleted only after
    the new one is written); a failed write removes its temporary file and raises an
    :class:`OSError` naming the checkpoint. Arguments are those of
    :class:`CheckpointHook`; saving to a remote ``out_dir`` (a non-local
    ``backend_args``) is mmengine's, not atomic.
    """

    def _save_checkpoint_with_step(self, runner, step: int, meta: dict) -> None:
        """Save checkpoint ``step``, drop outdated ones, move the pointer."""
        if not isinstance(self.file_backend, LocalBackend):
            super()._save_checkpoint_with_step(runner, step, meta)
            return
        outdated = self._forget_outdated(runner, step)
        name = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, name)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        if not is_main_process():
            return
        tmp_name = f'.{name}.tmp'
        tmp_path = osp.join(self.out_dir, tmp_name)
        try:
            runner.save_checkpoint(
                self.out_dir,
                tmp_name,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=self.by_epoch,
                **self.args)
            replace_durably(tmp_path, self.last_ckpt)
            write_text_atomically(
                osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
            if outdated is not None and osp.isfile(outdated):
                os.remove(outdated)
        except OSError as error:
            raise OSError(f'{type(self).__name__}: could not write checkpoint '
                          f'{self.last_ckpt} ({error}); the previous checkpoints and '
                          'last_checkpoint are unchanged') from error
        finally:
            if osp.exists(tmp_path):
                os.remove(tmp_path)

    def _forget_outdated(self, runner, step: int) -> Optional[str]:
        """Drop the checkpoint beyond ``max_keep_ckpts`` from the kept ones, as
        :class:`CheckpointHook` does, and return its path; it is deleted once checkpoint
        ``step`` is written, not before."""
        if self.max_keep_ckpts <= 0 or (self.keep_ckpt_ids
                                        and self.keep_ckpt_ids[-1] == step):
            return None
        outdated = None
        if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
            outdated = osp.join(self.out_dir,
                                self.filename_tmpl.format(self.keep_ckpt_ids.popleft()))
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        return outdated
