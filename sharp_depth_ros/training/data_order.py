"""Data order as a pure function of (seed, stage, position): mixing by weight, sharding, resume.

Position p of a stage's sample stream is fixed by the seed alone, so a resumed run reads the
same samples in the same order, and the processes of a distributed run read disjoint slices
of the same global batches (rank r takes positions r*b .. r*b+b-1 of each global batch of
world*b), whatever the number of DataLoader workers. Each position also carries its own
augmentation seed, so augmentations do not depend on worker RNG state either.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

SampleKey = tuple[int, int, int]  # (data-set index, sample index, augmentation seed)


class MixedOrder:
    """An endless stream of sample keys drawn from several data sets by weight.

    Epoch e (sum of the data-set sizes long) picks, with a generator seeded by (seed, e), the data
    set of every position (multinomial on the weights), and walks each data set in a fresh
    permutation (cycling if a heavy weight draws a small data set more often than its size).
    """

    def __init__(self, sizes: Sequence[int], weights: Sequence[float], seed: int) -> None:
        """Describe the stream.

        Raises:
            ValueError: empty or mismatched sizes/weights, an empty data set.
        """
        if not sizes or len(sizes) != len(weights) or min(sizes) < 1:
            raise ValueError(f"need one weight per non-empty data set, got {sizes}, {weights}")
        self.sizes = [int(s) for s in sizes]
        self.weights = torch.tensor([float(w) for w in weights], dtype=torch.float64)
        self.seed = int(seed)
        self.epoch_length = sum(self.sizes)
        self._cache: tuple[int, list[SampleKey]] | None = None

    def epoch(self, epoch: int) -> list[SampleKey]:
        """The keys of one epoch, in order."""
        if self._cache is not None and self._cache[0] == epoch:
            return self._cache[1]
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        choice = torch.multinomial(
            self.weights, self.epoch_length, replacement=True, generator=generator
        ).tolist()
        orders = [torch.randperm(n, generator=generator).tolist() for n in self.sizes]
        seeds = torch.randint(0, 2**31 - 1, (self.epoch_length,), generator=generator).tolist()
        taken = [0] * len(self.sizes)
        keys = []
        for position, dataset in enumerate(choice):
            index = orders[dataset][taken[dataset] % self.sizes[dataset]]
            taken[dataset] += 1
            keys.append((dataset, index, seeds[position]))
        self._cache = (epoch, keys)
        return keys

    def key(self, position: int) -> SampleKey:
        """The key at 0-based `position` of the endless stream."""
        epoch, offset = divmod(position, self.epoch_length)
        return self.epoch(epoch)[offset]


class ShardedBatchSampler(torch.utils.data.Sampler):
    """Yields this process's share of global batches `start_step, ..., stop_step - 1`.

    Global batch s covers stream positions [s*B, (s+1)*B), B = world_size * local_batch; this
    rank takes the contiguous slice [s*B + rank*b, s*B + (rank+1)*b).
    """

    def __init__(
        self,
        order: MixedOrder,
        *,
        local_batch: int,
        rank: int,
        world_size: int,
        start_step: int,
        stop_step: int,
    ) -> None:
        """Describe the batches of steps [start_step, stop_step) for `rank`."""
        super().__init__()
        self.order, self.local_batch = order, local_batch
        self.rank, self.world_size = rank, world_size
        self.start_step, self.stop_step = start_step, stop_step

    def __len__(self) -> int:
        """Number of batches."""
        return max(0, self.stop_step - self.start_step)

    def __iter__(self) -> Iterator[list[SampleKey]]:
        """Each item is one local batch of sample keys."""
        global_batch = self.local_batch * self.world_size
        for step in range(self.start_step, self.stop_step):
            first = step * global_batch + self.rank * self.local_batch
            yield [self.order.key(first + j) for j in range(self.local_batch)]


class MixedDataset(torch.utils.data.Dataset):
    """Reads a `SampleKey` from one of several data sets (each with `get(index, seed)`)."""

    def __init__(self, datasets: Sequence[torch.utils.data.Dataset]) -> None:
        """Wrap the data sets in the order their keys index them."""
        self.datasets = list(datasets)

    def __len__(self) -> int:
        """Total number of samples."""
        return sum(len(d) for d in self.datasets)

    def __getitem__(self, key: SampleKey) -> dict[str, torch.Tensor]:
        """The sample a key names."""
        dataset, index, seed = key
        return self.datasets[dataset].get(index, seed)
