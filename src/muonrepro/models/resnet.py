"""torchvision ResNet-18/34/50 with a width knob and the CIFAR stem.

``resnet(depth, n_classes, width=64, stem="cifar")`` builds ``torchvision.models.ResNet`` (its
``BasicBlock``/``Bottleneck`` and ``_make_layer``, its ``forward``) with stage widths
``width * (1, 2, 4, 8)``. ``width=64`` with ``stem="imagenet"`` is exactly torchvision's
``resnet18/34/50`` (same state-dict keys, so ImageNet weights load); ``stem="cifar"`` replaces the
7x7/2 conv + max-pool by a 3x3/1 conv and no pool, the usual recipe for 32x32 inputs. Small widths
are for CPU runs and tests. ``hidden_matrices()``/``other_params()`` come from ``optim.params``: the
stem conv and ``fc`` go to AdamW under Muon.
"""

from __future__ import annotations

from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

from muonrepro.optim.params import SplitMixin

LAYERS = {18: (BasicBlock, [2, 2, 2, 2]), 34: (BasicBlock, [3, 4, 6, 3]), 50: (Bottleneck, [3, 4, 6, 3])}


class WideResNet(SplitMixin, ResNet):
    def __init__(self, depth: int, n_classes: int, width: int = 64, stem: str = "cifar"):
        if depth not in LAYERS:
            raise ValueError(f"ResNet depth must be one of {sorted(LAYERS)}, got {depth}")
        if stem not in ("cifar", "imagenet"):
            raise ValueError(f"stem must be 'cifar' or 'imagenet', got {stem!r}")
        block, layers = LAYERS[depth]
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes, self.dilation, self.groups, self.base_width = width, 1, 1, 64
        if stem == "cifar":
            self.conv1 = nn.Conv2d(3, width, kernel_size=3, stride=1, padding=1, bias=False)
            self.maxpool = nn.Identity()
        else:
            self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, 2 * width, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 4 * width, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 8 * width, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8 * width * block.expansion, n_classes)
        for m in self.modules():  # torchvision's init
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def features(self, x):
        """Penultimate features (the input of ``fc``)."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.avgpool(x).flatten(1)


def resnet(depth: int, n_classes: int, width: int = 64, stem: str = "cifar") -> WideResNet:
    return WideResNet(depth, n_classes, width, stem)
